#!/usr/bin/env python3
"""Generate the data files of the English rule sets (rules/en/*.tsv).

Usage (from the repository root):

    python3 rules/tools/build_rules_data.py ../shared/data            # writes rules/en/
    python3 rules/tools/build_rules_data.py ../shared/data --out DIR  # writes DIR/

Inputs (the shared data directory given as the first argument):
  gazetteer/  GeoNames extracts, CC BY 4.0 (https://www.geonames.org/):
              countryInfo.txt, admin1CodesASCII.txt, admin1_regionInfo.tsv,
              cities15000.txt, country_translations.json, world-cities.csv
  ranks/      ddg_military_ranks.csv, from duckduckgo/zeroclickinfo-goodies,
              Apache-2.0
  /usr/share/dict/american-english (optional; `apt-get install wamerican`
              provides it): used only to flag place names that are also
              common English words (column `ambiguous`).
Everything else in this file (aliases, curated regions and features, rank
abbreviations, demonyms, ambiguity allow/deny lists) is hand-written general
knowledge.

Outputs (UTF-8, tab-separated, '#' comment header, then a column header line;
the first column is always `name`; an empty cell means "key absent"):
  places-countries.tsv, places-countries.ru.tsv, places-countries.kk.tsv,
  places-regions.tsv, places-cities.tsv, ranks.tsv, demonyms.tsv, NOTICE.md

Python 3 standard library only. The output is deterministic: rows are sorted
and no timestamps are written.
"""

import argparse
import csv
import itertools
import json
import os
import re
import sys
import unicodedata
from collections import defaultdict

GENERATOR = "python3 rules/tools/build_rules_data.py ../shared/data"
DICT_PATH = "/usr/share/dict/american-english"

PLACE_COLUMNS = ["name", "kind", "country", "lat", "lon", "ambiguous"]

GEONAMES_CREDIT = ("Source: GeoNames (https://www.geonames.org/), licence CC BY 4.0 "
                   "(https://creativecommons.org/licenses/by/4.0/); modified: "
                   "selected, deduplicated, reformatted; plus hand-curated entries.")

# ---------------------------------------------------------------------------
# Countries
# ---------------------------------------------------------------------------

# countryInfo codes that no longer exist; dropped.
DISSOLVED = {"AN", "CS"}

# countryInfo entries that are not sovereign states (UN members, observers
# VA/PS, and XK are sovereign here). They keep their ISO code but get
# kind=region, as the development gold does for Hong Kong, Taiwan, Guam and
# Western Sahara.
TERRITORIES = set("""
AI AQ AS AW AX BL BM BQ BV CC CK CW CX EH FK FO GF GG GI GL GP GS GU HK HM IM
IO JE KY MF MO MP MQ MS NC NF NU PF PM PN PR RE SH SJ SX TC TF TK TW UM VG VI
WF YT
""".split())

# Hand-curated short, long and official forms used in news, by ISO code.
COUNTRY_ALIASES = {
    "AE": ["UAE", "U.A.E.", "United Arab Emirates"],
    "AF": ["Afghanistan", "Islamic Republic of Afghanistan"],
    "AG": ["Antigua and Barbuda", "Antigua & Barbuda"],
    "AL": ["Republic of Albania"],
    "AM": ["Republic of Armenia"],
    "AR": ["Argentine Republic"],
    "AT": ["Republic of Austria"],
    "AZ": ["Republic of Azerbaijan"],
    "BA": ["Bosnia and Herzegovina", "Bosnia-Herzegovina", "Bosnia & Herzegovina",
           "Bosnia", "BiH"],
    "BD": ["People's Republic of Bangladesh"],
    "BE": ["Kingdom of Belgium"],
    "BG": ["Republic of Bulgaria"],
    "BH": ["Kingdom of Bahrain"],
    "BN": ["Brunei Darussalam"],
    "BO": ["Plurinational State of Bolivia"],
    "BR": ["Federative Republic of Brazil"],
    "BS": ["Bahamas", "Commonwealth of The Bahamas"],
    "BY": ["Republic of Belarus"],
    "CD": ["DRC", "D.R.C.", "DR Congo", "D.R. Congo", "Democratic Republic of the Congo",
           "Democratic Republic of Congo", "Congo-Kinshasa", "Congo Kinshasa", "Congo",
           "Zaire"],
    "CF": ["Central African Republic"],
    "CG": ["Republic of the Congo", "Republic of Congo", "Congo-Brazzaville",
           "Congo Brazzaville", "Congo Republic"],
    "CH": ["Swiss Confederation"],
    "CI": ["Ivory Coast", "C\u00f4te d'Ivoire", "Cote d'Ivoire", "Cote D'Ivoire",
           "Republic of Cote d'Ivoire", "Republic of C\u00f4te d'Ivoire"],
    "CL": ["Republic of Chile"],
    "CN": ["People's Republic of China", "PRC", "P.R.C.", "Mainland China"],
    "CO": ["Republic of Colombia"],
    "CU": ["Republic of Cuba"],
    "CV": ["Cape Verde", "Cabo Verde"],
    "CY": ["Republic of Cyprus"],
    "CZ": ["Czech Republic", "Czechia"],
    "DE": ["Federal Republic of Germany"],
    "DK": ["Kingdom of Denmark"],
    "DO": ["Dominican Republic"],
    "DZ": ["People's Democratic Republic of Algeria"],
    "EC": ["Republic of Ecuador"],
    "EE": ["Republic of Estonia"],
    "EG": ["Arab Republic of Egypt"],
    "ER": ["State of Eritrea"],
    "ES": ["Kingdom of Spain"],
    "ET": ["Federal Democratic Republic of Ethiopia"],
    "FI": ["Republic of Finland"],
    "FK": ["Falklands", "Falkland Islands", "Malvinas"],
    "FM": ["Micronesia", "Federated States of Micronesia"],
    "FR": ["French Republic"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain", "United Kingdom",
           "United Kingdom of Great Britain and Northern Ireland"],
    "GM": ["Gambia", "Republic of The Gambia"],
    "GR": ["Hellenic Republic"],
    "GT": ["Republic of Guatemala"],
    "GW": ["Guinea-Bissau", "Guinea Bissau"],
    "HK": ["Hong Kong", "Hong Kong SAR"],
    "HR": ["Republic of Croatia"],
    "HU": ["Republic of Hungary"],
    "ID": ["Republic of Indonesia"],
    "IE": ["Republic of Ireland"],
    "IL": ["State of Israel"],
    "IN": ["Republic of India"],
    "IQ": ["Republic of Iraq"],
    "IR": ["Islamic Republic of Iran", "Persia"],
    "IT": ["Italian Republic"],
    "JO": ["Hashemite Kingdom of Jordan"],
    "JP": ["State of Japan"],
    "KG": ["Kyrgyz Republic", "Kirghizia", "Kirgizia"],
    "KH": ["Kingdom of Cambodia"],
    "KM": ["Union of the Comoros"],
    "KN": ["Saint Kitts and Nevis", "St. Kitts and Nevis", "St Kitts and Nevis"],
    "KP": ["North Korea", "N. Korea", "DPRK", "D.P.R.K.",
           "Democratic People's Republic of Korea"],
    "KR": ["South Korea", "S. Korea", "Republic of Korea", "ROK", "Korea"],
    "KW": ["State of Kuwait"],
    "KZ": ["Kazakhstan", "Republic of Kazakhstan", "Kazakstan", "Qazaqstan"],
    "LA": ["Laos", "Lao PDR", "Lao People's Democratic Republic"],
    "LB": ["Lebanese Republic", "Republic of Lebanon"],
    "LC": ["Saint Lucia", "St. Lucia", "St Lucia"],
    "LK": ["Democratic Socialist Republic of Sri Lanka", "Ceylon"],
    "LT": ["Republic of Lithuania"],
    "LU": ["Grand Duchy of Luxembourg"],
    "LV": ["Republic of Latvia"],
    "LY": ["State of Libya"],
    "MA": ["Kingdom of Morocco"],
    "MD": ["Moldova", "Republic of Moldova"],
    "ME": ["Montenegro"],
    "MG": ["Republic of Madagascar"],
    "MK": ["North Macedonia", "Republic of North Macedonia", "Macedonia", "FYROM",
           "Former Yugoslav Republic of Macedonia"],
    "ML": ["Republic of Mali"],
    "MM": ["Myanmar", "Burma", "Republic of the Union of Myanmar"],
    "MN": ["Mongolia"],
    "MO": ["Macau", "Macao"],
    "MR": ["Islamic Republic of Mauritania"],
    "MX": ["United Mexican States"],
    "MZ": ["Republic of Mozambique"],
    "NE": ["Republic of Niger"],
    "NG": ["Federal Republic of Nigeria"],
    "NL": ["Netherlands", "Holland", "Kingdom of the Netherlands"],
    "NO": ["Kingdom of Norway"],
    "NP": ["Federal Democratic Republic of Nepal"],
    "OM": ["Sultanate of Oman"],
    "PA": ["Republic of Panama"],
    "PE": ["Republic of Peru"],
    "PH": ["Republic of the Philippines"],
    "PK": ["Islamic Republic of Pakistan"],
    "PL": ["Republic of Poland"],
    "PS": ["Palestine", "State of Palestine", "Palestinian Territories",
           "Palestinian territories", "Occupied Palestinian Territory",
           "Occupied Palestinian Territories"],
    "PT": ["Portuguese Republic"],
    "PY": ["Republic of Paraguay"],
    "QA": ["State of Qatar"],
    "RO": ["Romania"],
    "RS": ["Republic of Serbia"],
    "RU": ["Russia", "Russian Federation"],
    "RW": ["Republic of Rwanda"],
    "SA": ["Saudi Arabia", "Kingdom of Saudi Arabia", "KSA"],
    "SD": ["Republic of the Sudan", "Republic of Sudan"],
    "SE": ["Kingdom of Sweden"],
    "SG": ["Republic of Singapore"],
    "SI": ["Republic of Slovenia"],
    "SK": ["Slovak Republic"],
    "SN": ["Republic of Senegal"],
    "SO": ["Federal Republic of Somalia"],
    "SS": ["Republic of South Sudan"],
    "ST": ["Sao Tome and Principe", "S\u00e3o Tom\u00e9 and Pr\u00edncipe"],
    "SV": ["Republic of El Salvador"],
    "SY": ["Syria", "Syrian Arab Republic"],
    "SZ": ["Eswatini", "Swaziland", "Kingdom of Eswatini"],
    "TD": ["Republic of Chad"],
    "TH": ["Kingdom of Thailand", "Siam"],
    "TJ": ["Republic of Tajikistan", "Tadjikistan"],
    "TL": ["Timor-Leste", "Timor Leste", "East Timor"],
    "TM": ["Turkmenistan"],
    "TN": ["Republic of Tunisia"],
    "TR": ["Turkey", "T\u00fcrkiye", "Turkiye", "Republic of Turkey",
           "Republic of T\u00fcrkiye"],
    "TT": ["Trinidad and Tobago", "Trinidad & Tobago"],
    "TW": ["Taiwan", "Republic of China"],
    "TZ": ["United Republic of Tanzania"],
    "UA": ["Ukraine"],
    "UG": ["Republic of Uganda"],
    "US": ["U.S.", "US", "USA", "U.S.A.", "United States", "United States of America",
           "America"],
    "UY": ["Oriental Republic of Uruguay"],
    "UZ": ["Republic of Uzbekistan"],
    "VA": ["Vatican", "Vatican City", "Vatican City State", "Holy See"],
    "VC": ["Saint Vincent and the Grenadines", "St. Vincent and the Grenadines",
           "St Vincent and the Grenadines"],
    "VE": ["Venezuela", "Bolivarian Republic of Venezuela"],
    "VI": ["U.S. Virgin Islands", "US Virgin Islands"],
    "VN": ["Vietnam", "Viet Nam", "Socialist Republic of Vietnam"],
    "XK": ["Kosovo", "Republic of Kosovo"],
    "YE": ["Republic of Yemen"],
    "ZA": ["Republic of South Africa"],
    "ZM": ["Republic of Zambia"],
    "ZW": ["Republic of Zimbabwe"],
}

# Former states: kind country, no ISO code (the code would be a guess).
HISTORICAL_COUNTRIES = ["Soviet Union", "USSR", "U.S.S.R.", "Yugoslavia",
                        "Czechoslovakia", "East Germany", "West Germany",
                        "Serbia and Montenegro"]

# Russian and Kazakh: fixes and extra common forms on top of
# country_translations.json (whose ru entries include a few inflected or
# Latin-script forms, e.g. "Польшу", "Украиной", "Belarus'").
RU_FIX = {"PL": "Польша", "UA": "Украина", "BY": "Беларусь"}
RU_EXTRA = {
    "AE": ["Объединённые Арабские Эмираты", "Объединенные Арабские Эмираты"],
    "BY": ["Белоруссия"],
    "CD": ["Демократическая Республика Конго", "ДР Конго"],
    "CZ": ["Чешская Республика"],
    "DE": ["Германия"],
    "GB": ["Великобритания", "Британия"],
    "KG": ["Киргизия", "Кыргызстан"],
    "KP": ["Северная Корея", "КНДР"],
    "KR": ["Южная Корея"],
    "KZ": ["Казахстан"],
    "MD": ["Молдова"],
    "RU": ["Россия", "РФ"],
    "SK": ["Словакия"],
    "TH": ["Таиланд"],
    "TM": ["Туркменистан"],
    "US": ["Соединённые Штаты Америки", "Соединенные Штаты Америки",
           "Соединённые Штаты", "Соединенные Штаты"],
    "ZA": ["ЮАР"],
}
KK_FIX = {}
KK_EXTRA = {
    "KZ": ["Қазақстан"],
    "RU": ["Ресей Федерациясы"],
    "US": ["Америка Құрама Штаттары"],
}

# ---------------------------------------------------------------------------
# Regions and features (hand-curated); country only when the place lies in or
# is administered by one state.
# ---------------------------------------------------------------------------
R, F, S = "region", "feature", "site"
HAND_REGIONS = [
    # world regions and continents
    ("Africa", R, ""), ("Asia", R, ""), ("Europe", R, ""), ("Oceania", R, ""),
    ("Americas", R, ""), ("Eurasia", R, ""), ("Antarctica", R, "AQ"),
    ("North America", R, ""), ("South America", R, ""), ("Latin America", R, ""),
    ("Central America", R, ""), ("Caribbean", R, ""),
    ("Middle East", R, ""), ("Near East", R, ""), ("Far East", R, ""),
    ("Levant", R, ""), ("Maghreb", R, ""), ("Sahel", R, ""),
    ("Horn of Africa", R, ""), ("North Africa", R, ""), ("West Africa", R, ""),
    ("East Africa", R, ""), ("Central Africa", R, ""), ("Southern Africa", R, ""),
    ("Sub-Saharan Africa", R, ""), ("Great Lakes", R, ""),
    ("Central Asia", R, ""), ("South Asia", R, ""), ("East Asia", R, ""),
    ("Southeast Asia", R, ""), ("South-East Asia", R, ""), ("South East Asia", R, ""),
    ("Asia-Pacific", R, ""), ("Indo-Pacific", R, ""), ("Indochina", R, ""),
    ("Western Europe", R, ""), ("Eastern Europe", R, ""), ("Central Europe", R, ""),
    ("Northern Europe", R, ""), ("Southern Europe", R, ""), ("Scandinavia", R, ""),
    ("Balkans", R, ""), ("Western Balkans", R, ""), ("Baltics", R, ""),
    ("Baltic states", R, ""), ("Caucasus", R, ""), ("North Caucasus", R, "RU"),
    ("South Caucasus", R, ""), ("Transcaucasia", R, ""), ("Arctic", R, ""),
    ("Persian Gulf region", R, ""), ("Gulf region", R, ""),
    # disputed, occupied or well-known sub-national regions
    ("Golan Heights", R, "SY"), ("Golan", R, "SY"), ("Gaza Strip", R, "PS"),
    ("Gaza", R, "PS"), ("West Bank", R, "PS"), ("East Jerusalem", R, ""),
    ("Shebaa Farms", R, ""), ("South Lebanon", R, "LB"), ("Southern Lebanon", R, "LB"),
    ("Bekaa Valley", R, "LB"), ("Bekaa", R, "LB"), ("Sinai", R, "EG"),
    ("Negev", R, "IL"), ("Galilee", R, "IL"),
    ("Kashmir", R, ""), ("Jammu and Kashmir", R, "IN"), ("Azad Kashmir", R, "PK"),
    ("Ladakh", R, "IN"), ("Crimea", R, "UA"), ("Donbas", R, "UA"), ("Donbass", R, "UA"),
    ("Abkhazia", R, "GE"), ("South Ossetia", R, "GE"), ("Transnistria", R, "MD"),
    ("Nagorno-Karabakh", R, "AZ"), ("Karabakh", R, "AZ"),
    ("Kurdistan", R, ""), ("Iraqi Kurdistan", R, "IQ"), ("Kurdistan Region", R, "IQ"),
    ("Rojava", R, "SY"), ("Anbar", R, "IQ"), ("Salahuddin", R, "IQ"),
    ("Salahuddin Province", R, "IQ"), ("Ninawa", R, "IQ"), ("Diyala", R, "IQ"),
    ("al-Tamim", R, "IQ"), ("Darfur", R, "SD"), ("North Darfur", R, "SD"),
    ("South Darfur", R, "SD"), ("West Darfur", R, "SD"), ("East Darfur", R, "SD"),
    ("Kordofan", R, "SD"), ("South Kordofan", R, "SD"), ("Abyei", R, ""),
    ("Somaliland", R, "SO"), ("Puntland", R, "SO"), ("Jubaland", R, "SO"),
    ("Ogaden", R, "ET"), ("Oromia", R, "ET"), ("Cabo Delgado", R, "MZ"),
    ("Waziristan", R, "PK"), ("North Waziristan", R, "PK"), ("South Waziristan", R, "PK"),
    ("Federally Administered Tribal Areas", R, "PK"), ("FATA", R, "PK"),
    ("Baluchistan", R, ""), ("Siberia", R, "RU"), ("Chechnya", R, "RU"),
    ("Ingushetia", R, "RU"), ("Tatarstan", R, "RU"), ("Bashkortostan", R, "RU"),
    ("Kaliningrad Oblast", R, "RU"), ("Mindanao", R, "PH"), ("Aceh", R, "ID"),
    ("Papua", R, "ID"), ("Flanders", R, "BE"), ("Wallonia", R, "BE"),
    ("Catalonia", R, "ES"), ("Basque Country", R, "ES"), ("Patagonia", R, ""),
    ("Fergana Valley", R, ""), ("Ferghana Valley", R, ""), ("Wakhan Corridor", R, "AF"),
    # seas, gulfs, straits, oceans
    ("Persian Gulf", F, ""), ("Arabian Gulf", F, ""), ("Gulf of Aden", F, ""),
    ("Gulf of Oman", F, ""), ("Gulf of Aqaba", F, ""), ("Gulf of Suez", F, "EG"),
    ("Red Sea", F, ""), ("Black Sea", F, ""), ("Caspian Sea", F, ""), ("Caspian", F, ""),
    ("Aral Sea", F, ""), ("Sea of Azov", F, ""), ("Azov Sea", F, ""),
    ("Baltic Sea", F, ""), ("North Sea", F, ""), ("Barents Sea", F, ""),
    ("Norwegian Sea", F, ""), ("Mediterranean", F, ""), ("Mediterranean Sea", F, ""),
    ("Eastern Mediterranean", F, ""), ("Aegean", F, ""), ("Aegean Sea", F, ""),
    ("Adriatic", F, ""), ("Adriatic Sea", F, ""), ("Ionian Sea", F, ""),
    ("Arabian Sea", F, ""), ("South China Sea", F, ""), ("East China Sea", F, ""),
    ("Yellow Sea", F, ""), ("Sea of Japan", F, ""), ("Sea of Okhotsk", F, ""),
    ("Bering Sea", F, ""), ("Bering Strait", F, ""), ("Philippine Sea", F, ""),
    ("Caribbean Sea", F, ""), ("Gulf of Mexico", F, ""), ("Gulf of Guinea", F, ""),
    ("English Channel", F, ""), ("Irish Sea", F, ""), ("Strait of Hormuz", F, ""),
    ("Hormuz Strait", F, ""), ("Bab el-Mandeb", F, ""), ("Bab al-Mandab", F, ""),
    ("Strait of Gibraltar", F, ""), ("Bosphorus", F, "TR"), ("Bosporus", F, "TR"),
    ("Dardanelles", F, "TR"), ("Kerch Strait", F, ""), ("Strait of Malacca", F, ""),
    ("Malacca Strait", F, ""), ("Taiwan Strait", F, ""), ("Suez Canal", F, "EG"),
    ("Panama Canal", F, "PA"), ("Indian Ocean", F, ""), ("Pacific Ocean", F, ""),
    ("Atlantic Ocean", F, ""), ("Arctic Ocean", F, ""), ("Southern Ocean", F, ""),
    ("Pacific", F, ""), ("Atlantic", F, ""), ("North Atlantic", F, ""),
    ("South Pacific", F, ""), ("Western Pacific", F, ""),
    # lakes and rivers
    ("Lake Victoria", F, ""), ("Lake Tanganyika", F, ""), ("Lake Chad", F, ""),
    ("Lake Balkhash", F, "KZ"), ("Lake Baikal", F, "RU"), ("Dead Sea", F, ""),
    ("Sea of Galilee", F, "IL"), ("Lake Tiberias", F, "IL"),
    ("Jordan River", F, ""), ("River Jordan", F, ""), ("Euphrates", F, ""),
    ("Euphrates River", F, ""), ("Tigris", F, ""), ("Tigris River", F, ""),
    ("Shatt al-Arab", F, ""), ("Litani River", F, "LB"), ("Litani", F, "LB"),
    ("Yarmouk River", F, ""), ("Orontes", F, ""), ("Nile", F, ""), ("Nile River", F, ""),
    ("River Nile", F, ""), ("Congo River", F, ""), ("Niger River", F, ""),
    ("Dnieper", F, ""), ("Dnieper River", F, ""), ("Dniester", F, ""),
    ("Danube", F, ""), ("Volga", F, "RU"), ("Amu Darya", F, ""), ("Syr Darya", F, ""),
    ("Ili River", F, ""), ("Irtysh", F, ""), ("Ural River", F, ""), ("Indus", F, ""),
    ("Ganges", F, ""), ("Brahmaputra", F, ""), ("Mekong", F, ""), ("Yangtze", F, "CN"),
    ("Yellow River", F, "CN"), ("Amazon", F, ""), ("Rhine", F, ""),
    ("Rio Grande", F, ""), ("Mississippi River", F, "US"),
    # islands, peninsulas, reefs
    ("Spratly Islands", F, ""), ("Spratlys", F, ""), ("Spratly", F, ""),
    ("Paracel Islands", F, ""), ("Paracels", F, ""), ("Scarborough Shoal", F, ""),
    ("Second Thomas Shoal", F, ""), ("Mischief Reef", F, ""),
    ("Senkaku Islands", F, "JP"), ("Diaoyu Islands", F, "JP"),
    ("Kuril Islands", F, "RU"), ("Kurils", F, "RU"), ("Diego Garcia", F, "IO"),
    ("Sakhalin", F, "RU"), ("Crimean Peninsula", F, "UA"), ("Sinai Peninsula", F, "EG"),
    ("Arabian Peninsula", F, ""), ("Korean Peninsula", F, ""), ("Iberian Peninsula", F, ""),
    ("Balkan Peninsula", F, ""), ("Kola Peninsula", F, "RU"), ("Gallipoli", F, "TR"),
    ("Hong Kong Island", F, "HK"),
    # mountains, deserts, valleys
    ("Mount Hermon", F, ""), ("Hindu Kush", F, ""), ("Himalayas", F, ""),
    ("Karakoram", F, ""), ("Caucasus Mountains", F, ""), ("Tian Shan", F, ""),
    ("Pamir", F, ""), ("Pamirs", F, ""), ("Zagros Mountains", F, ""),
    ("Qandil Mountains", F, "IQ"), ("Sinjar Mountains", F, "IQ"),
    ("Mount Sinjar", F, "IQ"), ("Nuba Mountains", F, "SD"), ("Atlas Mountains", F, ""),
    ("Alps", F, ""), ("Andes", F, ""), ("Urals", F, "RU"), ("Ural Mountains", F, "RU"),
    ("Tora Bora", F, "AF"), ("Khyber Pass", F, ""), ("Panjshir Valley", F, "AF"),
    ("Swat Valley", F, "PK"), ("Jordan Valley", F, ""), ("Sahara", F, ""),
    ("Sahara Desert", F, ""), ("Syrian Desert", F, ""), ("Negev Desert", F, "IL"),
    ("Sinai Desert", F, "EG"), ("Gobi", F, ""), ("Gobi Desert", F, ""),
    ("Kalahari", F, ""), ("Kyzylkum", F, ""), ("Cape Cod", R, "US"),
    # well-known military bases and sites (kind site)
    ("Camp Faouar", S, "SY"), ("Bagram Air Base", S, "AF"), ("Bagram Airfield", S, "AF"),
    ("Kandahar Airfield", S, "AF"), ("Camp Bastion", S, "AF"),
    ("Guantanamo Bay", S, "CU"), ("Guantanamo Bay Naval Base", S, "CU"),
    ("Pearl Harbor", S, "US"), ("Camp David", S, "US"), ("Fort Bragg", S, "US"),
    ("Fort Hood", S, "US"), ("Camp Lejeune", S, "US"), ("Camp Pendleton", S, "US"),
    ("Ain al-Asad Air Base", S, "IQ"), ("Al Asad Air Base", S, "IQ"),
    ("Camp Speicher", S, "IQ"), ("Green Zone", S, "IQ"),
    ("Incirlik Air Base", S, "TR"), ("Incirlik", S, "TR"),
    ("Hmeimim Air Base", S, "SY"), ("Khmeimim Air Base", S, "SY"), ("Hmeimim", S, "SY"),
    ("Khmeimim", S, "SY"), ("Tartus naval base", S, "SY"),
    ("Camp Lemonnier", S, "DJ"), ("Al Udeid Air Base", S, "QA"),
    ("Ramstein Air Base", S, "DE"), ("Baikonur Cosmodrome", S, "KZ"),
    ("Tiananmen Square", S, "CN"), ("Red Square", S, "RU"),
]

# ---------------------------------------------------------------------------
# Cities: hand-picked English news spellings. Each alias is kept only if it is
# the name, ASCII name or an alternate name of a city of that country in
# cities15000 (the most populous such city gets it).
# ---------------------------------------------------------------------------
CITY_ALIASES = """
UA: Kiev, Odessa, Kharkov, Zaporizhzhia, Zaporozhye, Lugansk
IQ: Irbil, Basra, Fallujah, Falluja, Nasiriya, Hilla, Samarra, Baquba, Sulaymaniyah,
    Duhok, Dohuk, Baiji, Haditha, Amarah, Abu Ghraib
SY: Raqqa, Kobani, Kobane, Palmyra, Afrin, Hasaka, Daraa, Deraa, Hama, Douma,
    Jarablus, Al-Bukamal, Quneitra
YE: Sana'a, Marib
LY: Misrata, Derna
PS: Khan Younis, Jenin
SA: Mecca, Medina
AF: Mazar-i-Sharif
SO: Hargeisa, Garowe
SD: Geneina
TD: Ndjamena
EG: El Arish
KZ: Nur-Sultan, Karaganda, Semipalatinsk, Oskemen, Uralsk, Petropavlovsk, Aktau,
    Zhezkazgan, Balkhash
CN: Peking, Canton
VN: Saigon
MM: Rangoon
IN: Bombay, Calcutta, Madras, Bangalore
DE: Cologne, Nuremberg, Hanover, Frankfurt
CH: Geneva, Zurich
BE: Antwerp
RU: St. Petersburg, Nizhny Novgorod, Rostov-on-Don
SE: Gothenburg
ES: Seville
FR: Marseilles
CA: Quebec City
PA: Panama City
"""

# Aliases with no GeoNames alternate name behind them (general knowledge).
CITY_ALIASES_UNVERIFIED = [("Washington, D.C.", "US", "Washington"),
                           ("Washington D.C.", "US", "Washington"),
                           ("Washington DC", "US", "Washington"),
                           ("Diwaniyah", "IQ", "Ad D\u012bw\u0101n\u012byah")]

# Arabic-speaking countries: "Al Fallujah" -> "Fallujah" when GeoNames lists
# the short form among the alternate names.
ARABIC_COUNTRIES = set("IQ SY SA YE EG LY JO LB KW QA BH AE OM SD TN DZ MA MR PS".split())
ARTICLE_RE = re.compile(r"^(?:Al|Ar|As|Ad|An|Ash|At|Az|Adh|Ath|El|Ed|Es|En)[ \-]", re.I)

# Where a city and an admin1 region share a name, the city wins if it is a
# national capital or has >= 1M people, or, in the region's country, is the
# region's capital with >= 100k people (San Salvador is El Salvador's capital
# before it is an island district of the Bahamas); these names go the other
# way (Victoria: the Australian state, not the city of Hong Kong).
REGION_WINS = {"Quebec", "Victoria"}
CITY_WINS = set()

# ---------------------------------------------------------------------------
# Ambiguity: a name (as written, title case) is ambiguous when its lower-case
# form is a lower-case entry of the English word list, or it is a month,
# weekday or common given name or surname. Upper-case abbreviations (US, UK)
# are never flagged: their capitalised form is not a word.
# ---------------------------------------------------------------------------
MONTHS_DAYS = set("""January February March April May June July August September
October November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split())

PERSON_NAMES = set("""
James John Robert Michael William David Richard Joseph Thomas Charles Christopher
Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian
George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan
Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick
Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter
Kyle Walter Noah Jeremy Christian Keith Roger Terry Gerald Harold Sean Austin Carl
Arthur Lawrence Dylan Jesse Jordan Bryan Billy Joe Bruce Gabriel Logan Albert Willie
Alan Juan Wayne Randy Roy Vincent Ralph Eugene Russell Bobby Mason Philip Louis Chad
Victor Warren Clinton Marion Milton Orlando Howard Stanley Leon Lincoln Franklin
Clayton Chester Vernon Carlos Luis Miguel Pedro Antonio Manuel Francisco Mario
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy
Betty Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy
Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley
Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra Rachel
Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia Joyce Virginia
Victoria Kelly Lauren Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah
Jacqueline Martha Gloria Teresa Ann Sara Madison Frances Kathryn Janice Jean Abigail
Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle Beverly Isabella
Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori Florence Georgia
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez
Lopez Gonzalez Wilson Anderson Taylor Moore Jackson Martin Lee Perez Thompson
White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright
Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell
Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes
Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson
Bailey Reed Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood Bennett Gray
Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster
Jimenez Powell Jenkins Perry Sullivan Bell Coleman Butler Henderson Barnes
Gonzales Fisher Vasquez Simmons Romero Patterson Hamilton Graham Reynolds Griffin
Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar
Stevens Murray Ford Castro Marshall Owens Harrison Fernandez Woods Kennedy Wells
Vargas Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter
Gordon Mendez Silva Shaw Snyder Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black
Robertson Boyd Rose Stone Salazar Fox Mills Meyer Rice Schmidt Garza Daniels
Ferguson Nichols Stephens Soto Weaver Gardner Payne Grant Dunn Kelley Spencer
Hawkins Arnold Pierce Hansen Peters Santos Hart Bradley Knight Elliott Cunningham
Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry
Perkins Hoffman Johnston Matthews Richards Contreras Willis Carpenter Sandoval
Jefferson Monroe
""".split())

# Never flagged although the lower-case form is a word or a name: places that
# news nearly always means when the word is capitalised.
AMBIGUITY_ALLOW = set("""
Washington America Mecca China Turkey Guinea Niger Chile Japan Morocco Shanghai Muscat
Tangier Astrakhan Bologna Wellington Liege Cologne Madras Carpi Wales Virginia Brittany
Arctic Pacific Milan Sofia
""".split())

# Always flagged.
AMBIGUITY_FORCE = set("""
Jordan Chad Georgia Jersey Guernsey Split Nice Reading Batman
Mobile Bath Orange Young Gary Victoria Police Hope Date Sale Bury Wells March Male
Colon Union Mission Independence Liberty Concord Enterprise Commerce Opportunity
Eagle Surprise Paradise Temple Cleveland Troy Hyde Hit
""".split())

# Place names dropped altogether: frequent English words (and one president)
# that would match far more often as words than as these small places.
PLACE_DENY = set("""
Can Same Than Come Much Along Say Buy Most Time God Best Police Date Union Republic
Central Federal University Officer Normal Mine Man Bush Deal Save Bank Metro Downtown
Uptown Independence Mission Opportunity Enterprise Surprise Pop Rich Golden Green Summit
Holiday Superior Liberal Marks Hire Begun Goes Mile Bear Hook Boom Humble Parole Midway Olympic
Obama
Defiance Spring Springs Salt Tank Pen Dig Gap Temple Sue Drama Bra Semi Anew Awash
Gay Boo Bah Sim Along Annex Crystal Alliance Converse Anthem Coin Manage Eagle Sunrise
Sunset Plantation Centennial Paramount Vista Concord Wedding Worms Brick Cove Bake Horn
Lens Sedan Moron Tome Weir Hem Baud Pout Ode Fleet Tire Same Store Bar Pool Forest
Bride Grad Encamp Apace Mono Ogre Zeta Peel Michael Patrick Paul Douglas Lori Diana
Quiche Debar Vale Trinity Canaries Cascade Maritime Plateaux Savanes Est Nord Sud Ouest
""".split())

# A derived admin1 short form ending (or starting) with one of these words
# lost its head noun ("Orange Free State" -> "Orange Free"): skip it.
DERIVED_BAD_LAST = {"Autonomous", "Free", "Special", "Federal", "Capital", "Regional",
                    "National", "Administrative", "Metropolitan", "Municipal",
                    "Independent", "Oued"}

# Generic administrative names ("Central", "Northern Region", "Capital
# District") are not usable as place names on their own: a name made only of
# these words is dropped.
_GENERIC_WORDS = set("""Central Centre Center Capital North South East West Northern
Southern Eastern Western Northeast Northwest Southeast Southwest North-East North-West
South-East South-West Upper Lower Middle Coast Coastal Islands Lakes Plateau Unity
Interior Littoral Federal Special Metropolitan National Highlands Lowlands Mountain
Mountains River Riverside Border Frontier Delta Bay Sea Lake Valley Harbour Harbor Island
Oriental Occidental Region Province District State Department Governorate Division
Municipality Territory City Area Zone Sector County Prefecture Nord Sud Est Ouest
Centre-Nord Centre-Sud Centre-Est Centre-Ouest Nord-Est Nord-Ouest Sud-Est Sud-Ouest
Norte Sur Sul Leste Oeste Este Centro Distrito Maritime Plateaux Savanes Capitale
Hauts Haut Bas End Side""".split())

ADMIN_SUFFIXES = [
    " Province", " province", " Governorate", " governorate", " Region", " region",
    " Oblast'", " Oblast", " oblast", " Oblysy", " Krai", " Kray", " Republic",
    " State", " District", " Prefecture", " County", " Department", " Municipality",
    " Division", " Autonomous Region", " Autonomous Okrug", " Autonomous Oblast",
]
ADMIN_PREFIXES = ["Republic of ", "Muhafazat ", "Province of ", "Provincia de ",
                  "Provincia di ", "Departamento de ", "Estado de ", "Wilayat ",
                  "Imarat ", "Im\u0101rat ", "Municipality of ", "City of "]

# ---------------------------------------------------------------------------
# Ranks: (names..., canonical rank, NATO code). The annotation guide and the
# development gold fix the codes where armies differ (captain OF-2, lieutenant
# OF-1, private OR-1/2, master sergeant OR-7/8). Periods in abbreviations are
# kept; the matcher folds case and treats hyphen and space alike.
# ---------------------------------------------------------------------------
RANKS = [
    # general officers
    (["General", "Gen.", "Gen", "GEN"], "general", "OF-9"),
    (["Army General", "General of the Army", "Army Gen."], "army general", "OF-9"),
    (["Colonel General", "Colonel-General", "Col. Gen.", "Col.-Gen.", "Col Gen",
      "Colonel-Gen."], "colonel general", "OF-8"),
    (["Lieutenant General", "Lieutenant-General", "Lt. Gen.", "Lt.-Gen.", "Lt Gen",
      "Lt.Gen.", "LtGen", "Lieut. Gen.", "Lieut.-Gen.", "LTG", "Lt-Gen"],
     "lieutenant general", "OF-8"),
    (["Major General", "Major-General", "Maj. Gen.", "Maj.-Gen.", "Maj Gen", "Maj.Gen.",
      "MajGen", "Maj-Gen"], "major general", "OF-7"),
    (["Brigadier General", "Brigadier-General", "Brig. Gen.", "Brig.-Gen.", "Brig Gen",
      "Brig.Gen.", "BGen", "Brig-Gen"], "brigadier general", "OF-6"),
    (["Brigadier", "Brig.", "Brig"], "brigadier", "OF-6"),
    (["Field Marshal", "Field-Marshal", "Field Marshall"], "field marshal", "OF-10"),
    (["Marshal", "Marshal of the Soviet Union", "Marshal of the Russian Federation"],
     "marshal", "OF-10"),
    (["General of the Armies"], "general of the armies", "OF-10"),
    # field and company grade officers
    (["Colonel", "Col.", "Col", "COL"], "colonel", "OF-5"),
    (["Lieutenant Colonel", "Lieutenant-Colonel", "Lt. Col.", "Lt.-Col.", "Lt Col",
      "Lt.Col.", "LtCol", "Lieut. Col.", "Lieut.-Col.", "LTC", "Lt-Col"],
     "lieutenant colonel", "OF-4"),
    (["Major", "Maj.", "Maj", "MAJ"], "major", "OF-3"),
    (["Captain", "Capt.", "Capt", "Cpt.", "CPT"], "captain", "OF-2"),
    (["First Lieutenant", "1st Lieutenant", "1st Lt.", "1st Lt", "1stLt", "1LT",
      "First Lt."], "first lieutenant", "OF-1"),
    (["Second Lieutenant", "2nd Lieutenant", "2nd Lt.", "2nd Lt", "2ndLt", "2LT",
      "2Lt", "Second Lt."], "second lieutenant", "OF-1"),
    (["Lieutenant", "Lt.", "Lt", "Lieut.", "Lieut", "LT"], "lieutenant", "OF-1"),
    (["Senior Lieutenant", "Senior Lt.", "Sr. Lt."], "senior lieutenant", "OF-1"),
    (["Junior Lieutenant", "Junior Lt."], "junior lieutenant", "OF-1"),
    # naval officers
    (["Admiral", "Adm.", "Adm", "ADM"], "admiral", "OF-9"),
    (["Admiral of the Fleet", "Fleet Admiral", "Fleet Adm."], "admiral of the fleet",
     "OF-10"),
    (["Vice Admiral", "Vice-Admiral", "Vice Adm.", "Vice-Adm.", "VAdm", "VADM",
      "V. Adm."], "vice admiral", "OF-8"),
    (["Rear Admiral", "Rear-Admiral", "Rear Adm.", "Rear-Adm.", "RAdm", "RADM",
      "Rear Admiral (Upper Half)", "R. Adm."], "rear admiral", "OF-7"),
    (["Rear Admiral (Lower Half)", "Rear Adm. (lower half)", "RDML"],
     "rear admiral lower half", "OF-6"),
    (["Commodore", "Cdre.", "Cdre", "Commo."], "commodore", "OF-6"),
    (["Captain First Rank", "Captain 1st Rank", "Captain of the First Rank"],
     "captain first rank", "OF-5"),
    (["Captain Second Rank", "Captain 2nd Rank", "Captain of the Second Rank"],
     "captain second rank", "OF-4"),
    (["Captain Third Rank", "Captain 3rd Rank", "Captain of the Third Rank"],
     "captain third rank", "OF-3"),
    (["Commander", "Cmdr.", "Cmdr", "Cdr.", "Cdr", "CDR", "Comdr."], "commander", "OF-4"),
    (["Lieutenant Commander", "Lieutenant-Commander", "Lt. Cmdr.", "Lt. Cdr.",
      "Lt Cdr", "Lt Cmdr", "Lt.-Cmdr.", "Lt.-Cdr.", "LCDR", "Lt. Comdr."],
     "lieutenant commander", "OF-3"),
    (["Lieutenant Junior Grade", "Lieutenant (junior grade)", "Lt. j.g.", "Lt. (j.g.)",
      "Lt. jg", "LTJG"], "lieutenant junior grade", "OF-1"),
    (["Ensign", "Ens.", "ENS"], "ensign", "OF-1"),
    (["Sub-Lieutenant", "Sublieutenant", "Sub Lieutenant", "Sub-Lt.", "Sub Lt"],
     "sub-lieutenant", "OF-1"),
    (["Midshipman"], "midshipman", ""),
    # air force officers (Commonwealth)
    (["Marshal of the Air Force", "Marshal of the Royal Air Force"],
     "marshal of the air force", "OF-10"),
    (["Air Chief Marshal", "Air Chief Marshall", "ACM"], "air chief marshal", "OF-9"),
    (["Air Marshal", "Air Marshall"], "air marshal", "OF-8"),
    (["Air Vice Marshal", "Air Vice-Marshal", "Air Vice Marshall", "AVM"],
     "air vice marshal", "OF-7"),
    (["Air Commodore", "Air Cdre", "Air Cdre."], "air commodore", "OF-6"),
    (["Group Captain", "Gp Capt", "Gp. Capt.", "Grp Capt"], "group captain", "OF-5"),
    (["Wing Commander", "Wg Cdr", "Wg. Cdr.", "Wing Cdr"], "wing commander", "OF-4"),
    (["Squadron Leader", "Sqn Ldr", "Sqn. Ldr.", "Sqdn Ldr"], "squadron leader", "OF-3"),
    (["Flight Lieutenant", "Flying Lieutenant", "Flt Lt", "Flt. Lt.", "Flt Lieut"],
     "flight lieutenant", "OF-2"),
    (["Flying Officer", "Fg Off", "Fg. Off."], "flying officer", "OF-1"),
    (["Pilot Officer", "Plt Off", "Plt. Off."], "pilot officer", "OF-1"),
    # warrant officers
    (["Warrant Officer", "Warrant Officer 1", "WO1", "W01", "WO-1"], "warrant officer",
     "WO-1"),
    (["Chief Warrant Officer", "CWO", "Chief Warrant Off."], "chief warrant officer", ""),
    (["Chief Warrant Officer 2", "Chief Warrant Officer-2", "CWO2", "CW2"],
     "chief warrant officer 2", "WO-2"),
    (["Chief Warrant Officer 3", "Chief Warrant Officer-3", "CWO3", "CW3"],
     "chief warrant officer 3", "WO-3"),
    (["Chief Warrant Officer 4", "Chief Warrant Officer-4", "CWO4", "CW4"],
     "chief warrant officer 4", "WO-4"),
    (["Chief Warrant Officer 5", "Chief Warrant Officer-5", "CWO5", "CW5"],
     "chief warrant officer 5", "WO-5"),
    (["Warrant Officer Class 1", "Warrant Officer Class One"],
     "warrant officer class 1", "OR-9"),
    (["Warrant Officer Class 2", "Warrant Officer Class Two"],
     "warrant officer class 2", "OR-8"),
    (["Senior Warrant Officer"], "senior warrant officer", ""),
    (["Master Warrant Officer"], "master warrant officer", ""),
    (["Junior Warrant Officer"], "junior warrant officer", ""),
    # enlisted: army and marines
    (["Sergeant Major", "Sergeant-Major", "Sgt. Maj.", "Sgt Maj", "Sgt.-Maj.", "SgtMaj",
      "SGM"], "sergeant major", "OR-9"),
    (["Command Sergeant Major", "Command Sgt. Maj.", "Command Sgt Maj", "CSM"],
     "command sergeant major", "OR-9"),
    (["Sergeant Major of the Army"], "sergeant major of the army", "OR-9"),
    (["Sergeant Major of the Marine Corps"], "sergeant major of the marine corps", "OR-9"),
    (["First Sergeant Major", "First Sergeant-Major"], "first sergeant major", ""),
    (["Master Gunnery Sergeant", "Master Gunnery Sgt.", "MGySgt"],
     "master gunnery sergeant", "OR-9"),
    (["First Sergeant", "1st Sergeant", "1st Sgt.", "1st Sgt", "1stSgt", "1SG",
      "First Sgt."], "first sergeant", "OR-8"),
    (["Master Sergeant", "Master Sgt.", "Master Sgt", "MSgt", "MSG", "M/Sgt"],
     "master sergeant", "OR-7/8"),
    (["Gunnery Sergeant", "Gunnery Sgt.", "Gunnery Sgt", "GySgt", "Gunny"],
     "gunnery sergeant", "OR-7"),
    (["Sergeant First Class", "Sgt. 1st Class", "Sgt. First Class", "Sgt 1st Class",
      "SFC"], "sergeant first class", "OR-7"),
    (["Colour Sergeant", "Color Sergeant", "Colour Sgt", "C/Sgt"], "colour sergeant",
     "OR-7"),
    (["Staff Sergeant", "Staff Sgt.", "Staff Sgt", "SSgt", "SSG", "S/Sgt", "S.Sgt."],
     "staff sergeant", "OR-6"),
    (["Technical Sergeant", "Tech. Sgt.", "Tech Sgt", "TSgt"], "technical sergeant",
     "OR-6"),
    (["Senior Sergeant", "Senior Sgt."], "senior sergeant", ""),
    (["Junior Sergeant", "Junior Sgt."], "junior sergeant", ""),
    (["Sergeant", "Sgt.", "Sgt", "Sergt.", "Sergt", "SGT"], "sergeant", "OR-5"),
    (["Lance Sergeant", "L/Sgt"], "lance sergeant", "OR-5"),
    (["Corporal", "Cpl.", "Cpl", "Corpl", "Corpl.", "CPL"], "corporal", "OR-4"),
    (["Lance Corporal", "Lance-Corporal", "Lance Cpl.", "Lance Cpl", "LCpl", "L/Cpl",
      "L.Cpl."], "lance corporal", "OR-3"),
    (["Bombardier", "Bdr", "Bdr."], "bombardier", "OR-4"),
    (["Lance Bombardier", "L/Bdr"], "lance bombardier", "OR-3"),
    (["Specialist", "Spc.", "Spc", "SPC", "Spec."], "specialist", "OR-4"),
    (["Private First Class", "Pfc.", "Pfc", "PFC", "Pvt. 1st Class",
      "Private 1st Class"], "private first class", "OR-3"),
    (["Private", "Pvt.", "Pvt", "Pte.", "Pte", "PV1", "PV2"], "private", "OR-1/2"),
    # enlisted: air force
    (["Chief Master Sergeant of the Air Force", "CMSAF"],
     "chief master sergeant of the air force", "OR-9"),
    (["Command Chief Master Sergeant", "Command Chief Master Sgt."],
     "command chief master sergeant", "OR-9"),
    (["Chief Master Sergeant", "Chief Master Sgt.", "CMSgt"], "chief master sergeant",
     "OR-9"),
    (["Senior Master Sergeant", "Senior Master Sgt.", "SMSgt"],
     "senior master sergeant", "OR-8"),
    (["Senior Airman", "SrA", "Senior Amn."], "senior airman", "OR-4"),
    (["Airman First Class", "Airman 1st Class", "A1C"], "airman first class", "OR-3"),
    (["Airman Basic"], "airman basic", "OR-1"),
    (["Airman", "Amn"], "airman", "OR-2"),
    # enlisted: navy
    (["Master Chief Petty Officer of the Navy", "MCPON"],
     "master chief petty officer of the navy", "OR-9"),
    (["Fleet Master Chief Petty Officer", "FLTCM"], "fleet master chief petty officer",
     "OR-9"),
    (["Force Master Chief Petty Officer", "FORCM"], "force master chief petty officer",
     "OR-9"),
    (["Command Master Chief Petty Officer", "CMDCM"],
     "command master chief petty officer", "OR-9"),
    (["Master Chief Petty Officer", "Master Chief", "MCPO"], "master chief petty officer",
     "OR-9"),
    (["Senior Chief Petty Officer", "Senior Chief", "SCPO"], "senior chief petty officer",
     "OR-8"),
    (["Chief Petty Officer", "CPO"], "chief petty officer", "OR-7"),
    (["Petty Officer First Class", "Petty Officer 1st Class", "PO1"],
     "petty officer first class", "OR-6"),
    (["Petty Officer Second Class", "Petty Officer 2nd Class", "PO2"],
     "petty officer second class", "OR-5"),
    (["Petty Officer Third Class", "Petty Officer 3rd Class", "PO3"],
     "petty officer third class", "OR-4"),
    (["Petty Officer", "PO"], "petty officer", ""),
    (["Leading Seaman"], "leading seaman", ""),
    (["Seaman Recruit"], "seaman recruit", "OR-1"),
    (["Seaman Apprentice"], "seaman apprentice", "OR-2"),
    (["Seaman"], "seaman", "OR-3"),
    # police ranks (no NATO code)
    (["Inspector", "Insp.", "Insp"], "inspector", ""),
    (["Chief Inspector", "Chief Insp.", "Ch. Insp.", "Chief Insp"], "chief inspector", ""),
    (["Detective Inspector", "Det. Insp."], "detective inspector", ""),
    (["Detective Chief Inspector", "Det. Chief Insp.", "DCI"],
     "detective chief inspector", ""),
    (["Superintendent", "Supt.", "Supt"], "superintendent", ""),
    (["Chief Superintendent", "Chief Supt.", "Chief Supt", "Ch. Supt."],
     "chief superintendent", ""),
    (["Detective Superintendent", "Det. Supt."], "detective superintendent", ""),
    (["Detective Chief Superintendent", "Det. Chief Supt."],
     "detective chief superintendent", ""),
    (["Detective Sergeant", "Det. Sgt."], "detective sergeant", ""),
    (["Police Captain", "Police Capt."], "police captain", ""),
    (["Police Major"], "police major", ""),
    (["Police Colonel", "Police Col."], "police colonel", ""),
    (["Police Lieutenant Colonel", "Police Lt. Col."], "police lieutenant colonel", ""),
    (["Police Lieutenant", "Police Lt."], "police lieutenant", ""),
    (["Police Sergeant", "Police Sgt."], "police sergeant", ""),
    (["Police General", "Police Gen."], "police general", ""),
    (["Police Major General", "Police Maj. Gen."], "police major general", ""),
    (["Police Lieutenant General", "Police Lt. Gen."], "police lieutenant general", ""),
]
# Abbreviations from the source table that are too ambiguous to match on
# their own (English words, two letters, or other meanings).
RANK_SKIP = {"AB", "SA", "SN", "SR", "MG", "BG", "LG", "PO", "WO", "CCM", "SMA",
             "SgtMajMarCor", "Amn", "ACM", "Gunny"}

# ---------------------------------------------------------------------------
# Demonyms (nationality adjectives and attributive short forms), by ISO code.
# "" = no single state (Korean, Soviet, Yugoslav, Kurdish).
# ---------------------------------------------------------------------------
DEMONYMS = {
    "AD": ["Andorran"], "AE": ["Emirati"], "AF": ["Afghan"], "AG": ["Antiguan"],
    "AL": ["Albanian"], "AM": ["Armenian"], "AO": ["Angolan"],
    "AR": ["Argentine", "Argentinian", "Argentinean"], "AT": ["Austrian"],
    "AU": ["Australian"], "AZ": ["Azerbaijani", "Azeri"], "BA": ["Bosnian"],
    "BB": ["Barbadian"], "BD": ["Bangladeshi"], "BE": ["Belgian"],
    "BF": ["Burkinabe", "Burkinab\u00e9"], "BG": ["Bulgarian"], "BH": ["Bahraini"],
    "BI": ["Burundian"], "BJ": ["Beninese"], "BN": ["Bruneian"], "BO": ["Bolivian"],
    "BR": ["Brazilian"], "BS": ["Bahamian"], "BT": ["Bhutanese"], "BW": ["Botswanan"],
    "BY": ["Belarusian", "Belarusan", "Byelorussian"], "BZ": ["Belizean"],
    "CA": ["Canadian"], "CD": ["Congolese", "Zairean", "Zairian"], "CF": ["Central African"],
    "CG": ["Congolese"],
    "CH": ["Swiss"], "CI": ["Ivorian"], "CL": ["Chilean"], "CM": ["Cameroonian"],
    "CN": ["Chinese"], "CO": ["Colombian"], "CR": ["Costa Rican"], "CU": ["Cuban"],
    "CV": ["Cape Verdean", "Cabo Verdean"], "CY": ["Cypriot"], "CZ": ["Czech"],
    "DE": ["German"], "DJ": ["Djiboutian"], "DK": ["Danish"], "DM": ["Dominican"],
    "DO": ["Dominican"], "DZ": ["Algerian"], "EC": ["Ecuadorian", "Ecuadoran"],
    "EE": ["Estonian"], "EG": ["Egyptian"], "ER": ["Eritrean"], "ES": ["Spanish"],
    "ET": ["Ethiopian"], "FI": ["Finnish"], "FJ": ["Fijian"], "FM": ["Micronesian"],
    "FR": ["French"], "GA": ["Gabonese"],
    "GB": ["British", "UK", "U.K.", "English", "Scottish", "Welsh"],
    "GD": ["Grenadian"], "GE": ["Georgian"], "GH": ["Ghanaian"], "GL": ["Greenlandic"],
    "GM": ["Gambian"], "GN": ["Guinean"], "GQ": ["Equatorial Guinean", "Equatoguinean"],
    "GR": ["Greek", "Hellenic"], "GT": ["Guatemalan"], "GW": ["Bissau-Guinean"],
    "GY": ["Guyanese"], "HN": ["Honduran"], "HR": ["Croatian"], "HT": ["Haitian"],
    "HU": ["Hungarian"], "ID": ["Indonesian"], "IE": ["Irish"], "IL": ["Israeli"],
    "IN": ["Indian"], "IQ": ["Iraqi"], "IR": ["Iranian"], "IS": ["Icelandic"],
    "IT": ["Italian"], "JM": ["Jamaican"], "JO": ["Jordanian"], "JP": ["Japanese"],
    "KE": ["Kenyan"], "KG": ["Kyrgyz", "Kyrgyzstani", "Kirghiz"], "KH": ["Cambodian"],
    "KI": ["I-Kiribati"], "KM": ["Comoran", "Comorian"], "KN": ["Kittitian"],
    "KP": ["North Korean"], "KR": ["South Korean"], "KW": ["Kuwaiti"],
    "KZ": ["Kazakh", "Kazakhstani", "Kazakstani"], "LA": ["Lao", "Laotian"],
    "LB": ["Lebanese"], "LC": ["Saint Lucian"], "LI": ["Liechtensteiner"],
    "LK": ["Sri Lankan"], "LR": ["Liberian"], "LS": ["Basotho", "Lesothan"],
    "LT": ["Lithuanian"], "LU": ["Luxembourgish", "Luxembourger"], "LV": ["Latvian"],
    "LY": ["Libyan"], "MA": ["Moroccan"], "MC": ["Monegasque", "Mon\u00e9gasque"],
    "MD": ["Moldovan"], "ME": ["Montenegrin"], "MG": ["Malagasy"],
    "MH": ["Marshallese"], "MK": ["Macedonian", "North Macedonian"], "ML": ["Malian"],
    "MM": ["Burmese"], "MN": ["Mongolian"], "MR": ["Mauritanian"], "MT": ["Maltese"],
    "MU": ["Mauritian"], "MV": ["Maldivian"], "MW": ["Malawian"], "MX": ["Mexican"],
    "MY": ["Malaysian"], "MZ": ["Mozambican"], "NA": ["Namibian"], "NE": ["Nigerien"],
    "NG": ["Nigerian"], "NI": ["Nicaraguan"], "NL": ["Dutch"], "NO": ["Norwegian"],
    "NP": ["Nepali", "Nepalese"], "NR": ["Nauruan"], "NZ": ["New Zealand"],
    "OM": ["Omani"], "PA": ["Panamanian"], "PE": ["Peruvian"],
    "PG": ["Papua New Guinean"], "PH": ["Filipino", "Philippine"], "PK": ["Pakistani"],
    "PL": ["Polish"], "PR": ["Puerto Rican"], "PS": ["Palestinian"],
    "PT": ["Portuguese"], "PW": ["Palauan"], "PY": ["Paraguayan"], "QA": ["Qatari"],
    "RO": ["Romanian"], "RS": ["Serbian"], "RU": ["Russian"], "RW": ["Rwandan"],
    "SA": ["Saudi", "Saudi Arabian"], "SB": ["Solomon Islands"],
    "SC": ["Seychellois"], "SD": ["Sudanese"], "SE": ["Swedish"],
    "SG": ["Singaporean"], "SI": ["Slovenian", "Slovene"], "SK": ["Slovak", "Slovakian"],
    "SL": ["Sierra Leonean"], "SM": ["Sammarinese"], "SN": ["Senegalese"],
    "SO": ["Somali", "Somalian"], "SR": ["Surinamese"], "SS": ["South Sudanese"],
    "ST": ["Sao Tomean", "S\u00e3o Tomean"], "SV": ["Salvadoran", "Salvadorean"],
    "SY": ["Syrian"], "SZ": ["Swazi", "Emaswati"], "TD": ["Chadian"], "TG": ["Togolese"],
    "TH": ["Thai"], "TJ": ["Tajik", "Tajikistani", "Tadjik"],
    "TL": ["Timorese", "East Timorese"], "TM": ["Turkmen", "Turkmenistani"],
    "TN": ["Tunisian"], "TO": ["Tongan"], "TR": ["Turkish"], "TT": ["Trinidadian"],
    "TV": ["Tuvaluan"], "TW": ["Taiwanese"], "TZ": ["Tanzanian"], "UA": ["Ukrainian"],
    "UG": ["Ugandan"], "US": ["American", "U.S.", "US"], "UY": ["Uruguayan"],
    "UZ": ["Uzbek", "Uzbekistani"], "VA": ["Vatican"], "VC": ["Vincentian"],
    "VE": ["Venezuelan"], "VN": ["Vietnamese"], "VU": ["Ni-Vanuatu"], "WS": ["Samoan"],
    "XK": ["Kosovar", "Kosovan"], "YE": ["Yemeni"], "ZA": ["South African"],
    "ZM": ["Zambian"], "ZW": ["Zimbabwean"],
    "": ["Korean", "Soviet", "Yugoslav", "Czechoslovak", "Kurdish"],
}
# Where a demonym fits several states, the first code listed here wins.
DEMONYM_PREFER = {"Dominican": "DO", "Congolese": "CD"}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def die(msg):
    sys.stderr.write("build_rules_data: " + msg + "\n")
    sys.exit(1)


def warn(msg):
    sys.stderr.write("build_rules_data: warning: " + msg + "\n")


def clean(s):
    s = unicodedata.normalize("NFC", s.strip())
    s = re.sub(r"\s+", " ", s)
    return s


def valid_name(s):
    return bool(s) and "\t" not in s and "\n" not in s and "\r" not in s


def sort_key(name):
    return (name.casefold(), name)


def load_words(path):
    words = set()
    if not os.path.exists(path):
        warn("%s not found (apt-get install wamerican); ambiguity uses the hand "
             "lists only" % path)
        return words, False
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            w = line.strip()
            if w and w == w.lower() and not w.endswith("'s"):
                words.add(w)
    return words, True


def load_given_names(rules_dir):
    """The hand-written given names (given-names*.tsv): a place that is also
    a first name ("Hassan", "Andreas") needs a context word."""
    names = set()
    for fn in ("given-names.tsv", "given-names-more.tsv"):
        path = os.path.join(rules_dir, fn)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\n")
                if line and not line.startswith("#") and line != "name":
                    names.add(line.split("\t")[0])
    return frozenset(names)


class Ambiguity:
    def __init__(self, words, given_names=frozenset()):
        self.words = words
        self.given_names = given_names

    def __call__(self, name):
        if name in AMBIGUITY_FORCE:
            return True
        if name in AMBIGUITY_ALLOW:
            return False
        if name in MONTHS_DAYS or name in PERSON_NAMES or name in self.given_names:
            return True
        # upper-case abbreviations and names with no lower-case letter after
        # the first are not words as written
        if len(name) > 1 and name[1:] == name[1:].upper() and name[1:].lower() != name[1:]:
            return False
        low = name.lower()
        return low in self.words


def write_tsv(path, header_lines, columns, rows):
    """rows: list of dicts. Sorted by name; validated."""
    seen = set()
    out = []
    for r in sorted(rows, key=lambda r: sort_key(r["name"])):
        n = r["name"]
        if not valid_name(n):
            die("bad name %r in %s" % (n, path))
        if n in seen:
            die("duplicate name %r in %s" % (n, path))
        seen.add(n)
        cells = []
        for c in columns:
            v = r.get(c, "")
            v = "" if v is None else str(v)
            if "\t" in v or "\n" in v or "\r" in v:
                die("bad cell %r in %s" % (v, path))
            if c == "country" and v and not re.fullmatch(r"[A-Z]{2}", v):
                die("bad country %r for %r in %s" % (v, n, path))
            cells.append(v)
        out.append("\t".join(cells))
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for h in header_lines:
            fh.write("# " + h + "\n" if h else "#\n")
        fh.write("\t".join(columns) + "\n")
        for line in out:
            fh.write(line + "\n")
    return len(out)


def fmt_coord(x):
    return "%.4f" % float(x)


# ---------------------------------------------------------------------------
# readers
# ---------------------------------------------------------------------------

def read_country_info(gaz):
    rows = []
    with open(os.path.join(gaz, "countryInfo.txt"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            f = line.rstrip("\n").split("\t")
            rows.append({"iso": f[0], "name": clean(f[4]), "pop": int(f[7] or 0),
                         "gid": f[16]})
    return rows


def read_admin1(gaz):
    """-> list of (code, country, name) with both native and ASCII names."""
    out = []
    for fn in ("admin1CodesASCII.txt", "admin1_regionInfo.tsv"):
        with open(os.path.join(gaz, fn), encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#") or not line.strip():
                    continue
                f = line.rstrip("\n").split("\t")
                code = f[0]
                cc = code.split(".")[0]
                for n in (f[1], f[2]):
                    n = clean(n)
                    if n:
                        out.append((code, cc, n))
    return out


def read_cities(gaz):
    wc = {}
    with open(os.path.join(gaz, "world-cities.csv"), encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            wc[r["geonameid"]] = clean(r["name"])
    cities = []
    with open(os.path.join(gaz, "cities15000.txt"), encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            cities.append({
                "gid": f[0], "name": clean(f[1]), "ascii": clean(f[2]),
                "alts": set(clean(a) for a in f[3].split(",") if a.strip()),
                "lat": f[4], "lon": f[5], "fcode": f[7], "cc": f[8],
                "pop": int(f[14] or 0), "wc": wc.get(f[0], ""),
            })
    return cities


# ---------------------------------------------------------------------------
# builders
# ---------------------------------------------------------------------------

class Registry:
    """Global name -> place row, filled in priority order (first wins)."""

    def __init__(self):
        self.rows = {}   # name -> row dict (with 'file')

    def has(self, name):
        return name in self.rows

    def add(self, row):
        n = row["name"]
        if n in self.rows:
            return False
        if row["file"] != "countries" and (
                n in PLACE_DENY or len(n) < 3 or n.isdigit()
                or (re.search(r"\d", n) and not re.match(r"\d+(st|nd|rd|th) ", n))):
            return False
        self.rows[n] = row
        return True

    def file_rows(self, fname):
        return [r for r in self.rows.values() if r["file"] == fname]


def build_countries(ci, reg, amb):
    code_set = {c["iso"] for c in ci} - DISSOLVED
    sovereign = code_set - TERRITORIES
    if len(sovereign) != 196:
        warn("%d sovereign codes (expected 196)" % len(sovereign))
    # candidate (name, iso, priority): countryInfo names first, then aliases
    cands = []
    for c in ci:
        if c["iso"] in DISSOLVED:
            continue
        n = c["name"]
        if n.startswith("The "):
            n = n[4:]
        cands.append((n, c["iso"], 0, c["pop"]))
    pops = {c["iso"]: c["pop"] for c in ci}
    for iso, names in COUNTRY_ALIASES.items():
        if iso not in code_set:
            die("alias for unknown code " + iso)
        for n in names:
            cands.append((clean(n), iso, 1, pops[iso]))
    for n in HISTORICAL_COUNTRIES:
        cands.append((n, "", 2, 0))
    cands.sort(key=lambda t: (t[2], -t[3], t[0]))
    for n, iso, _, _ in cands:
        kind = "country" if (iso == "" or iso in sovereign) else "region"
        reg.add({"file": "countries", "name": n, "kind": kind, "country": iso,
                 "lat": "", "lon": "", "ambiguous": "1" if amb(n) else ""})
    return sovereign


def build_countries_lang(ci, trans, lang, fixes, extra):
    rows = {}
    pops = {c["iso"]: c["pop"] for c in ci}
    sovereign = {c["iso"] for c in ci} - DISSOLVED - TERRITORIES
    cands = []
    for c in ci:
        iso = c["iso"]
        if iso in DISSOLVED:
            continue
        n = fixes.get(iso) or trans.get(c["gid"], {}).get(lang)
        names = []
        if n:
            n = clean(n)
            m = re.fullmatch(r"(.+?) \((.+)\)", n)   # "Мьянма (Бирма)"
            names = [m.group(1), m.group(2)] if m else [n]
        if iso in fixes and trans.get(c["gid"], {}).get(lang):
            orig = clean(trans[c["gid"]][lang])
            # keep the source form too unless it is an inflected or Latin form
            if orig != fixes[iso] and re.search(r"[\u0400-\u04FF]", orig) \
                    and iso not in ("PL", "UA"):
                names.append(orig)
        names += extra.get(iso, [])
        for nm in names:
            cands.append((nm, iso, pops[iso]))
    cands.sort(key=lambda t: (-t[2], t[0]))
    for n, iso, _ in cands:
        if not valid_name(n) or n in rows:
            continue
        kind = "country" if iso in sovereign else "region"
        rows[n] = {"name": n, "kind": kind, "country": iso, "lat": "", "lon": "",
                   "ambiguous": ""}
    return list(rows.values())


def strip_admin(name, cc):
    """Derived short forms of an admin1 name ("Al Anbar" -> "Anbar")."""
    out = set()
    base = name
    for p in ADMIN_PREFIXES:
        if base.startswith(p):
            base = base[len(p):]
            break
    for s in ADMIN_SUFFIXES:
        if base.endswith(s):
            base = base[: -len(s)]
            break
    if base != name:
        out.add(base.strip())
    if cc in ARABIC_COUNTRIES:
        for b in list(out) + [name]:
            m = ARTICLE_RE.match(b)
            if m:
                out.add(b[m.end():].strip())
    return {o for o in out if o and o != name}


def dominant_country(ccs, pops):
    """The one country of a name shared by regions of several countries, if
    its population is at least ten times that of each other one; else ""."""
    if len(ccs) == 1:
        return next(iter(ccs))
    ranked = sorted(ccs, key=lambda c: -pops.get(c, 0))
    if pops.get(ranked[0], 0) >= 10 * max(pops.get(ranked[1], 0), 1):
        return ranked[0]
    return ""


def is_generic(name):
    words = re.split(r"[\s\-]+", name)
    return all(w in _GENERIC_WORDS or w.lower() in ("of", "and", "the") for w in words)


def city_beats_region(city):
    return (city["fcode"] == "PPLC" or city["pop"] >= 1_000_000
            or (city["fcode"] == "PPLA" and city["pop"] >= 100_000))


def city_name_forms(c, words):
    """-> list of (name, tier). tier 0: GeoNames name / ASCII / world-cities;
    tier 1: article-stripped forms confirmed by the alternate names."""
    forms = []
    for n in (c["name"], c["ascii"], c["wc"]):
        if n:
            forms.append((n, 0))
            # "Frankfurt (Oder)" -> "Frankfurt"; "Biel/Bienne" -> "Biel", "Bienne"
            short = re.sub(r"\s*\([^)]*\)", "", n).strip()
            if short != n:
                forms.append((short, 1))
            if "/" in short:
                forms.extend((p.strip(), 1) for p in short.split("/") if p.strip())
    if c["cc"] in ARABIC_COUNTRIES:
        for n in (c["name"], c["ascii"]):
            m = ARTICLE_RE.match(n)
            if m:
                short = n[m.end():].strip()
                if short in c["alts"] and len(short) >= 3:
                    forms.append((short, 1))
    return forms


def build_places(data, reg, amb, words, demonym_names, report):
    gaz = os.path.join(data, "gazetteer")
    ci = read_country_info(gaz)
    pops = {c["iso"]: c["pop"] for c in ci}
    build_countries(ci, reg, amb)

    # hand-curated regions and features
    for n, kind, cc in HAND_REGIONS:
        n = clean(n)
        if reg.has(n):
            report.setdefault("hand_region_shadowed", []).append(n)
        reg.add({"file": "regions", "name": n, "kind": kind, "country": cc,
                 "lat": "", "lon": "", "ambiguous": "1" if amb(n) else ""})

    # admin1 exact names: name -> set of countries
    admin = read_admin1(gaz)
    exact = defaultdict(set)
    derived = defaultdict(set)
    for code, cc, n in admin:
        exact[n].add(cc)
    for code, cc, n in admin:
        for d in strip_admin(n, cc):
            if d not in exact:
                derived[d].add(cc)

    cities = read_cities(gaz)
    # city candidates: name -> best (tier, -pop) city
    city_best = {}
    city_all = defaultdict(list)     # name -> every city offering it
    def offer(name, city, tier):
        if len(name) < 3 or name.isdigit() or not valid_name(name):
            return
        city_all[name].append(city)
        key = (0, -city["pop"], city["gid"])   # most populous city wins
        cur = city_best.get(name)
        if cur is None or key < cur[0]:
            city_best[name] = (key, city)
    # most populous city known by each name (primary or alternate): a derived
    # short form is kept only for that city ("Frankfurt" is not Frankfurt (Oder))
    known = defaultdict(int)
    for c in cities:
        for n in c["alts"] | {c["name"], c["ascii"], c["wc"]}:
            if c["pop"] > known[n]:
                known[n] = c["pop"]
    for c in cities:
        for n, tier in city_name_forms(c, words):
            if tier == 1 and c["pop"] < known.get(n, 0):
                continue
            offer(n, c, tier)
    # hand aliases, verified against GeoNames names
    by_cc = defaultdict(list)
    for c in cities:
        by_cc[c["cc"]].append(c)
    missing = []
    for line in re.sub(r"\n\s+", " ", CITY_ALIASES.strip()).split("\n"):
        cc, names = line.split(":", 1)
        cc = cc.strip()
        for a in names.split(","):
            a = a.strip()
            if not a:
                continue
            hits = [c for c in by_cc[cc] if a in (c["name"], c["ascii"], c["wc"])
                    or a in c["alts"]]
            if not hits:
                missing.append("%s (%s)" % (a, cc))
                continue
            best = max(hits, key=lambda c: (c["pop"], c["gid"]))
            city_best[a] = ((0, -10**12, best["gid"]), best)   # alias beats others
    if missing:
        warn("city aliases not found in GeoNames: " + ", ".join(missing))
    for a, cc, base in CITY_ALIASES_UNVERIFIED:
        best = max((c for c in by_cc[cc] if c["name"] == base),
                   key=lambda c: (c["pop"], c["gid"]))
        city_best[a] = ((0, -10**12, best["gid"]), best)

    # admin1 exact names (region) unless a big city of the same country wins
    for n in sorted(exact):
        ccs = exact[n]
        if reg.has(n) or is_generic(n) or n in demonym_names:
            continue
        if n in city_best:
            cands = city_all.get(n, []) + [city_best[n][1]]
            if n not in REGION_WINS and (n in CITY_WINS or any(
                    c["pop"] >= 1_000_000 or c["fcode"] == "PPLC"
                    or (c["cc"] in ccs and city_beats_region(c))
                    for c in cands)):
                report.setdefault("city_over_region", []).append(n)
                continue
        cc = dominant_country(ccs, pops)
        reg.add({"file": "regions", "name": n, "kind": "region", "country": cc,
                 "lat": "", "lon": "", "ambiguous": "1" if amb(n) else ""})

    # cities
    for n in sorted(city_best):
        if n in demonym_names:
            report.setdefault("city_demonym_dropped", []).append(n)
            continue
        if reg.has(n):
            continue
        c = city_best[n][1]
        reg.add({"file": "cities", "name": n, "kind": "city", "country": c["cc"],
                 "lat": fmt_coord(c["lat"]), "lon": fmt_coord(c["lon"]),
                 "ambiguous": "1" if amb(n) else ""})

    # derived admin1 short forms, lowest priority; skip words and generic forms
    for n in sorted(derived):
        ccs = derived[n]
        if reg.has(n) or is_generic(n) or n in demonym_names or len(n) < 3:
            continue
        if n.split()[-1] in DERIVED_BAD_LAST or n.split()[0] in DERIVED_BAD_LAST:
            continue           # "Jewish Autonomous", "Orange Free" (State)
        if amb(n):
            continue
        cc = dominant_country(ccs, pops)
        reg.add({"file": "regions", "name": n, "kind": "region", "country": cc,
                 "lat": "", "lon": "", "ambiguous": ""})
    return ci


# Abbreviations of the words of rank titles, as news writes them half
# abbreviated (the dotted forms only: each variant lengthens the rank
# patterns, and start-up with them)
RANK_WORD_ABBR = {
    "Sergeant": ["Sgt."], "Major": ["Maj."], "Lieutenant": ["Lt."], "General": ["Gen."],
    "Colonel": ["Col."], "Brigadier": ["Brig."], "Admiral": ["Adm."], "Commander": ["Cmdr."],
}


def build_ranks(data):
    rows = {}       # casefold -> row
    def add(name, rank, code):
        name = clean(name)
        k = name.casefold()
        if k in rows or name in RANK_SKIP:
            return
        rows[k] = {"name": name, "rank": rank, "code": code}
    for names, rank, code in RANKS:
        for n in names:
            add(n, rank, code)
    # source table: English-language armies only (US, India); the Polish and
    # Bosnian rows are in those languages and not used in English text.
    with open(os.path.join(data, "ranks", "ddg_military_ranks.csv"), encoding="utf-8",
              newline="") as fh:
        for r in csv.DictReader(fh):
            if r["country_code"] not in ("US", "IN"):
                continue
            full = clean(r["rank"])
            code = r["nato_code"].strip()
            if not re.fullmatch(r"(OF-\d+|OR-\d+(/\d+)?|WO-\d+)?", code):
                code = ""
            canon = re.sub(r"\s*\(.*\)", "", full).lower()
            if re.fullmatch(r"seaman \d", canon):
                continue
            add(full, canon, code)
            ab = clean(r["abbreviation"])
            if ab and len(ab) >= 3 and not ab.isdigit():
                add(ab, canon, code)
    # titles of several words written half abbreviated ("Command Sgt. Major",
    # "Lt. Colonel", "Maj. General"): every mix of full and abbreviated words
    for row in list(rows.values()):
        words = row["name"].split(" ")
        if len(words) < 2 or len(words) > 4:
            continue
        forms = [[w] + RANK_WORD_ABBR.get(w, []) for w in words]
        if all(len(f) == 1 for f in forms):
            continue
        for combo in itertools.product(*forms):
            add(" ".join(combo), row["rank"], row["code"])
    return list(rows.values())


def build_demonyms():
    cand = defaultdict(list)
    for cc, names in DEMONYMS.items():
        for n in names:
            cand[n].append(cc)
    rows = []
    for n, ccs in cand.items():
        if len(ccs) == 1:
            cc = ccs[0]
        else:
            cc = DEMONYM_PREFER.get(n, "")
        rows.append({"name": n, "country": cc})
    return rows


NOTICE = """# Generated data files of the English rule sets: sources and licences

The files listed under "Files" below are generated; do not edit them by hand. Regenerate everything
(from the repository root, with the shared data directory next to it) with:

    apt-get install -y wamerican     # optional: English word list for `ambiguous`
    {gen}

The script is `rules/tools/build_rules_data.py` (Python 3, standard library only).
Its output is deterministic (sorted rows, no timestamps).

## Attribution

- **GeoNames** (https://www.geonames.org/), licensed under Creative Commons
  Attribution 4.0 (https://creativecommons.org/licenses/by/4.0/). Used:
  `countryInfo.txt`, `admin1CodesASCII.txt`, `admin1_regionInfo.tsv`,
  `cities15000.txt`, `country_translations.json` (GeoNames country names in
  Russian and Kazakh), and `world-cities.csv` from datasets/world-cities
  (GeoNames-derived, CC BY 4.0). Changes: rows selected, names deduplicated
  across files, coordinates rounded to 4 decimals, columns reformatted, a few
  Russian country names corrected to the nominative; hand-curated aliases added.
- **Military ranks**: `share/goodie/military_rank/military_rank.yml` from
  duckduckgo/zeroclickinfo-goodies (commit 5b600e9a), licensed under the
  Apache License 2.0 (the licence text is in the shared data directory,
  `licenses/ddg_goodies_LICENSE.txt`). Used: the US and Indian rank names,
  abbreviations and NATO codes. Changes: reformatted, merged with hand-written
  abbreviations; codes overridden where the annotation guide fixes them.
- Everything else (country and city aliases, regions and features such as seas,
  rivers and disputed territories, rank abbreviations of other armies and police
  ranks, demonyms, ambiguity lists) is hand-written general knowledge in the
  generator script.
- The optional word list `/usr/share/dict/american-english` (Debian package
  wamerican, SCOWL, permissive licence) is only read to compute the
  `ambiguous` flag; no words from it are copied into these files.

## Files

All files: UTF-8, tab-separated, `#` comment lines, then a column header line;
the first column `name` is the surface form as written in text; other columns
are norm keys (empty cell = key absent). No name occurs twice in a file, and
a place name occurs in only one of the three `places-*` files (priority:
countries > regions > cities).

| file | rows | columns | contents |
|---|---|---|---|
{table}

Columns of the place files: `kind` (country, region, city, feature, site;
the few hand-picked military bases and sites are in `places-regions.tsv`),
`country` (ISO 3166-1 alpha-2, XK for Kosovo; empty when the place spans
several states or the name is shared by regions of several states), `lat`/`lon`
(GeoNames coordinates, cities only), `ambiguous` (1 when the name as written
is also a common English word, a month or weekday, or a common given name or
surname, e.g. Nice, Reading, Mobile, Split, Victoria; such names need context
before they are taken as places).

Notes:
- Non-sovereign entries of countryInfo (Hong Kong, Taiwan, Guam, Western
  Sahara, Puerto Rico, ...) are in `places-countries.tsv` with `kind` region,
  as the development gold annotates them.
- Former states (Soviet Union, Yugoslavia, ...) have kind country and no code.
- Upper-case abbreviations (US, UK, USA, UAE, DRC, DPRK, PRC, KSA, ROK) are
  not flagged ambiguous; match them case-sensitively ("US" vs "us").
- Where a city and an admin1 region share a name, the city is kept if it has
  at least 1 million people, is a national capital (San Salvador, not the
  Bahamas district), or is in the region's country and a regional capital
  with at least 100,000 people (Baghdad, Aleppo, Almaty, Kandahar,
  Washington); otherwise the region (Quebec and Victoria are forced to
  region). A name shared by cities goes to the most populous one. A name shared
  by admin1 regions of several states gets the code of the most populous state
  only if it has ten times the population of each other one (Florida -> US;
  Punjab -> empty).
- Cities: GeoNames name, ASCII name and world-cities name; short forms without
  an Arabic article or a parenthesis ("Al Fallujah" -> "Fallujah", "Halle
  (Saale)" -> "Halle") only where GeoNames lists them as alternate names of
  that city and no bigger city has them; and ~90 hand-picked English news
  spellings (Kiev, Irbil, Basra, Raqqa, Kobani, Aktau, Geneva), each checked
  against that city's GeoNames alternate names. Names under 3 characters or
  with digits, and a short hand list of very frequent English words (Police,
  Man, Can, Date, Union, ...), are left out of the region and city files.
- Regions: admin1 names also yield short forms without "Province", "Oblast",
  "Governorate", "Region", "Republic", Arabic articles ("Al Anbar" -> "Anbar"),
  at the lowest priority and never when the short form is an English word or a
  generic word ("Central", "Northern").
- `ranks.tsv`: `rank` is the canonical lower-case English title, `code` the
  NATO STANAG 2116 code as the annotation guide writes it (OF-1..OF-10,
  OR-1..OR-9, WO-1..WO-5, and the guide's OR-1/2 for private and OR-7/8 for
  master sergeant); empty for police ranks and where armies differ.
- `demonyms.tsv`: nationality adjectives and attributive forms (Syrian, U.S.)
  with the state's code, for unit rules ("Syrian army") and norm.country; they
  are not places. `country` is empty for Korean, Soviet, Yugoslav, Czechoslovak, Kurdish.

## Hand-written files

`given-names.tsv` and `given-names-more.tsv` (given names that start a
person's name), like `person-titles.tsv`, `count-nouns.tsv` and the other
tables not listed above,
is written by hand for newsmine from general knowledge and is not generated:
edit it directly.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", help="shared data directory (holds gazetteer/ and ranks/)")
    ap.add_argument("--out", help="output directory (default: rules/en next to tools/)")
    ap.add_argument("--words", default=DICT_PATH, help="English word list")
    args = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    out = args.out or os.path.join(os.path.dirname(here), "en")
    os.makedirs(out, exist_ok=True)
    for sub in ("gazetteer", "ranks"):
        if not os.path.isdir(os.path.join(args.data, sub)):
            die("%s has no %s/ directory" % (args.data, sub))

    words, have_words = load_words(args.words)
    amb = Ambiguity(words, load_given_names(out))
    report = {}

    demonym_rows = build_demonyms()
    demonym_names = {r["name"] for r in demonym_rows}

    reg = Registry()
    ci = build_places(args.data, reg, amb, words, demonym_names, report)

    wl = ("ambiguity from %s plus hand lists" % os.path.basename(args.words)
          if have_words else "ambiguity from hand lists only (no word list found)")
    common = [GEONAMES_CREDIT, "Generated by: " + GENERATOR + " (do not edit by hand)."]
    counts = {}
    counts["places-countries.tsv"] = write_tsv(
        os.path.join(out, "places-countries.tsv"),
        ["Countries and territories: English names (GeoNames countryInfo) and "
         "hand-curated short/official forms.", *common,
         "kind=region for non-sovereign territories; lat/lon left empty (no licensed "
         "country coordinates); " + wl + "."],
        PLACE_COLUMNS, reg.file_rows("countries"))
    counts["places-regions.tsv"] = write_tsv(
        os.path.join(out, "places-regions.tsv"),
        ["Regions and features: GeoNames admin1 names (native and ASCII, plus "
         "short forms without Province/Oblast/Al-), and hand-curated regions, "
         "seas, rivers, mountains, disputed territories.", *common,
         "country empty when the name spans or is shared by several states; lat/lon "
         "empty (none in the sources); " + wl + "."],
        PLACE_COLUMNS, reg.file_rows("regions"))
    counts["places-cities.tsv"] = write_tsv(
        os.path.join(out, "places-cities.tsv"),
        ["Cities: GeoNames cities15000 (population > 15000): name, ASCII name, "
         "world-cities name, checked English aliases; most populous city wins a "
         "shared name.", *common, wl + "."],
        PLACE_COLUMNS, reg.file_rows("cities"))

    trans = json.load(open(os.path.join(args.data, "gazetteer",
                                        "country_translations.json"), encoding="utf-8"))
    for lang, fixes, extra in (("ru", RU_FIX, RU_EXTRA), ("kk", KK_FIX, KK_EXTRA)):
        fn = "places-countries.%s.tsv" % lang
        counts[fn] = write_tsv(
            os.path.join(out, fn),
            ["Country names in %s (GeoNames country_translations.json, key '%s'), "
             "with hand-curated fixes and common forms." % (
                 "Russian" if lang == "ru" else "Kazakh", lang), *common,
             "kind=region for non-sovereign territories; lat/lon empty."],
            PLACE_COLUMNS, build_countries_lang(ci, trans, lang, fixes, extra))

    counts["ranks.tsv"] = write_tsv(
        os.path.join(out, "ranks.tsv"),
        ["Military and police rank titles with NATO STANAG 2116 codes.",
         "Source: duckduckgo/zeroclickinfo-goodies share/goodie/military_rank "
         "(Apache-2.0), US and Indian rows; plus hand-written abbreviations "
         "(AP and Commonwealth style), other armies' ranks and police ranks.",
         "Generated by: " + GENERATOR + " (do not edit by hand).",
         "Names are unique ignoring case; periods in abbreviations are significant."],
        ["name", "rank", "code"], build_ranks(args.data))
    counts["demonyms.tsv"] = write_tsv(
        os.path.join(out, "demonyms.tsv"),
        ["Nationality adjectives and attributive short forms, with ISO 3166-1 "
         "alpha-2 code. Hand-written (general knowledge).",
         "Generated by: " + GENERATOR + " (do not edit by hand).",
         "Not places; for unit rules ('Syrian army') and norm.country."],
        ["name", "country"], demonym_rows)

    desc = {
        "places-countries.tsv": ("name kind country lat lon ambiguous",
                                 "countries and territories, English"),
        "places-countries.ru.tsv": ("name kind country lat lon ambiguous",
                                    "country names in Russian"),
        "places-countries.kk.tsv": ("name kind country lat lon ambiguous",
                                    "country names in Kazakh"),
        "places-regions.tsv": ("name kind country lat lon ambiguous",
                               "admin1 regions, world regions, seas, rivers, "
                               "mountains, disputed territories, a few bases/sites"),
        "places-cities.tsv": ("name kind country lat lon ambiguous",
                              "cities > 15,000 people, with coordinates"),
        "ranks.tsv": ("name rank code", "military and police ranks"),
        "demonyms.tsv": ("name country", "nationality adjectives"),
    }
    table = "\n".join("| %s | %d | %s | %s |" % (f, counts[f], desc[f][0], desc[f][1])
                      for f in sorted(counts))
    with open(os.path.join(out, "NOTICE.md"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(NOTICE.format(gen=GENERATOR, table=table))

    # sovereign states without a demonym
    sov = {c["iso"] for c in ci} - DISSOLVED - TERRITORIES
    no_dem = sorted(sov - set(DEMONYMS))
    if no_dem:
        warn("sovereign states without a demonym: " + " ".join(no_dem))
    for f in sorted(counts):
        print("%-26s %6d rows" % (f, counts[f]))
    if os.environ.get("BUILD_RULES_VERBOSE"):
        for k, v in sorted(report.items()):
            print("%s (%d): %s" % (k, len(v), ", ".join(sorted(v)[:400])))


if __name__ == "__main__":
    main()
