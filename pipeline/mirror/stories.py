"""Article data of the written outlets: the stories they publish and the older reporting in RFE/RL's archive."""

# Reporting of the kind Transfer Watch looks for; each outlet's pages wrap it in that outlet's markup.
STORIES = (
    {
        "title": "North Korea shipped more artillery shells to Russia, Seoul says",
        "author": "Kim Soo-yeon",
        "paragraphs": [
            "North Korea has shipped several million artillery shells to Russia since last year, South Korea's "
            "defence ministry said on Thursday, citing containers moved by rail through the port of Rajin.",
            "The ministry said it had tracked about 6,700 containers leaving North Korean ports, enough to carry "
            "more than three million rounds of 152-millimetre ammunition or half a million 122-millimetre rounds.",
            "Moscow and Pyongyang have denied any arms trade, which would breach United Nations Security Council "
            "resolutions that both countries once voted for.",
            "In return, Seoul believes Russia has provided food, raw materials and help with military satellites, "
            "officials said, without giving evidence for the technology transfers.",
        ],
    },
    {
        "title": "Ukraine receives first F-16 fighter jets from Denmark and the Netherlands",
        "author": "Olena Goncharova",
        "paragraphs": [
            "Ukraine has received the first F-16 fighter jets promised by Denmark and the Netherlands, President "
            "Volodymyr Zelensky said on Sunday at an air base in an undisclosed location.",
            "The aircraft arrived more than a year after the allies formed a coalition to train Ukrainian pilots "
            "and supply the American-made jets, which Kyiv has long requested to counter Russian air power.",
            "Denmark has pledged 19 of the aircraft and the Netherlands 24, while Norway and Belgium have also "
            "promised jets to be delivered over the coming years, officials said.",
            "Ukrainian officials did not say how many aircraft had arrived, citing security concerns.",
        ],
    },
    {
        "title": "Iran sent short-range ballistic missiles to Russia, U.S. officials say",
        "author": "Mike Eckel",
        "paragraphs": [
            "Iran has delivered short-range ballistic missiles to Russia for use in its war against Ukraine, "
            "United States officials said on Tuesday, a transfer Tehran has repeatedly denied.",
            "The shipment of Fath-360 missiles arrived at the Caspian port of Astrakhan, according to two "
            "officials who spoke on condition of anonymity to discuss intelligence assessments.",
            "Russian forces have previously used Iranian-designed Shahed drones against Ukrainian cities, and "
            "Moscow has since built its own version of the drone at a plant in Tatarstan.",
            "European governments said they would respond with new sanctions on Iranian shipping companies.",
        ],
    },
)


# Older reporting in RFE/RL's archive: the same transfer as its figure grew (days before the mirror's "now").
ARCHIVE = (
    {
        "days_ago": 700,
        "title": "North Korea has sent Russia a million artillery shells, Seoul's spy agency says",
        "author": "RFE/RL",
        "paragraphs": [
            "North Korea has sent Russia more than one million artillery shells, South Korea's National "
            "Intelligence Service told lawmakers on Wednesday.",
            "The agency said the shells were shipped in about ten rounds since August by ship and by air.",
        ],
    },
    {
        "days_ago": 520,
        "title": "Seoul says North Korean shell shipments to Russia near five million",
        "author": "RFE/RL",
        "paragraphs": [
            "North Korea has shipped up to 4.8 million artillery shells to Russia, South Korea's defence "
            "ministry said on Monday, citing some 13,000 containers moved since last year.",
            "Moscow and Pyongyang deny any arms trade between them.",
        ],
    },
    {
        "days_ago": 400,
        "title": "Russia gave North Korea air defence systems, Seoul says",
        "author": "RFE/RL",
        "paragraphs": [
            "Russia has delivered air defence systems to North Korea to protect Pyongyang, South Korea's "
            "national security adviser said on Friday.",
            "He said the equipment was sent in return for troops North Korea deployed to fight Ukraine.",
        ],
    },
)
