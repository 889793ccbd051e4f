"""Names shared by the `sources` tests: the upstream repositories the stand-in serves."""

ATOM = "Interconnects-AI/tracked-models"
OSAI = "Language-Technology-Assessment/main-database"
MOF = "lfai/model_openness_tool"
LMARENA = "fboulnois/llm-leaderboard-csv"
LMARENA_PATH = "csv/lmarena_text.csv"
