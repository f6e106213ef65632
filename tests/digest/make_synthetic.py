#!/usr/bin/env python3
"""Writes tests/digest/synthetic.jsonl: made-up news documents for the digest
test, text written for this repository (no corpus is copied). Sentences come
from templates filled with names from the rule tables (rules/en/*.tsv), so
that every rule set and gazetteer gets work: places, counts, ranks, units,
dates, quantities, persons, organisations, sports pages, headlines, odd
punctuation and Unicode.

    python3 tests/digest/make_synthetic.py > tests/digest/synthetic.jsonl

The output is fixed by the seed and the tables; regenerate only on purpose
(then update the digest: tests/digest/check.sh --update).
"""
import json
import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EN = os.path.join(ROOT, "rules", "en")


def names(table, limit=None):
    out = []
    for line in open(os.path.join(EN, table), encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#") or line.split("\t")[0] == "name":
            continue
        out.append(line.split("\t")[0])
    return out[:limit] if limit else out


R = random.Random(20240611)
countries = names("places-countries.tsv")
regions = names("places-regions.tsv")
cities = names("places-cities.tsv", 4000)
demonyms = names("demonyms.tsv")
ranks = [r for r in names("ranks.tsv") if r[0].isupper() and len(r) > 3]
nouns = names("count-nouns.tsv")
units = names("measure-units.tsv")
missions = names("missions.tsv")
services = names("services.tsv")
orgs = names("orgs.tsv")
titles = names("person-titles.tsv")
months = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December", "Jan.", "Feb.", "Aug.", "Sept.", "Dec."]
weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
first = ["Ruslan", "Aigerim", "John", "Maria", "Ahmed", "Olga", "Pierre", "Li", "Fatima", "Ivan",
         "Sarah", "Kofi", "Ana", "Bolat", "Zhiger", "Konstantin", "Amina", "Carlos", "Yuki", "Omar"]
last = ["Aipov", "Smith", "Petrov", "al-Dulaimi", "Nazarbayev", "O'Neill", "Garcia", "Chen",
        "Kerimbek", "Avershin", "Dubois", "Mensah", "Silva", "Tanaka", "Haddad", "Kowalski"]
words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve",
         "twenty", "thirty-five", "forty", "a hundred", "two hundred", "several", "dozens of",
         "hundreds of", "a few", "a dozen", "tens of thousands of"]
approx = ["", "", "", "about ", "more than ", "nearly ", "some ", "up to ", "at least ",
          "an estimated ", "fewer than "]
verbs = ["said", "told reporters", "added", "stressed", "announced", "warned", "confirmed"]
teams = ["Pohang", "Ulsan", "Somerset", "Newcastle", "Dynamo Moscow", "Spartak", "Real Madrid"]


def c(seq):
    return R.choice(seq)


def number():
    k = R.random()
    if k < 0.35:
        return str(R.randint(2, 999))
    if k < 0.55:
        return "{:,}".format(R.randint(1000, 250000))
    if k < 0.65:
        return "%d.%d" % (R.randint(1, 99), R.randint(1, 9))
    return c(words)


def person():
    return "%s %s" % (c(first), c(last))


def date():
    k = R.random()
    if k < 0.25:
        return "%s %d, %d" % (c(months), R.randint(1, 28), R.randint(1950, 2024))
    if k < 0.4:
        return "%d %s %d" % (R.randint(1, 28), c(months), R.randint(1990, 2024))
    if k < 0.5:
        return "last %s" % c(weekdays)
    if k < 0.6:
        return c(["yesterday", "today", "last week", "earlier this month", "two weeks ago",
                  "the following day", "next year", "this spring"])
    if k < 0.7:
        return "in %d" % R.randint(1940, 2024)
    if k < 0.8:
        return "from %s to %s %d" % (c(months[:12]), c(months[:12]), R.randint(1990, 2024))
    if k < 0.9:
        return "the %ds" % (R.randint(190, 202) * 10)
    return "mid-%s %d" % (c(months[:12]), R.randint(2000, 2024))


def sentence():
    t = R.randint(0, 27)
    place = c([c(countries), c(cities), c(regions)])
    if t == 0:
        return "%s%s %s %s were deployed to %s %s." % (approx[R.randint(0, 10)].capitalize() or "", number(), c(demonyms), c(nouns), place, date())
    if t == 1:
        return "%s %s %s that %s%s %s had arrived in %s." % (c(ranks), person(), c(verbs), c(approx), number(), c(nouns), place)
    if t == 2:
        return "The %s %s crossed into %s on %s, officials in %s %s." % (c(demonyms), c(["army", "navy", "air force", "ground forces", "special forces", "peacekeeping contingent"]), c(countries), c(weekdays), c(cities), c(verbs))
    if t == 3:
        return "The %d%s %s moved %s %s north of %s." % (R.randint(1, 199), c(["st", "nd", "rd", "th"]), c(["Airborne Division", "Infantry Brigade", "Battalion", "Fighter Wing", "Marines", "Armored Division"]), number(), c(units), place)
    if t == 4:
        return "%s %s, %s of %s, %s the budget would rise by %s%% to $%s million." % (c(titles), person(), c(["head", "chief"]), c(orgs), c(verbs), R.randint(1, 40), number())
    if t == 5:
        return "The %s and the %s agreed %s to send %s observers to %s." % (c(orgs), c(missions), date(), number(), place)
    if t == 6:
        return "%s-led coalition forces left %s after %s%s %s were %s." % (c(["US", "U.S.", "NATO", "French", c(countries)]), place, c(approx), number(), c(nouns), c(["killed", "wounded", "missing", "displaced"]))
    if t == 7:
        return "%s said %s, a spokesman for the %s Ministry of Defence." % (person(), person(), c(demonyms))
    if t == 8:
        return "In %s, %s %s %s (%s) %s %s %s." % (place, c(["the", "The"]), c(["Presidential Security Division", "Republican Guard", "Joint Task Force", "Central Command"]), c(["of", "in", "near"]), c(["PSD", "RG", "JTF", "CENTCOM"]), c(verbs), c(["on", "by"]), date())
    if t == 9:
        return "%s %d %s %d (half-time %d-%d); %s beat %s 2-1 at home." % (c(teams), R.randint(0, 5), c(teams), R.randint(0, 5), R.randint(0, 3), R.randint(0, 3), c(teams), c(teams))
    if t == 10:
        return "Camp %s and Fort %s lie %s %s from the %s Heights and %s Air Base." % (c(last).split("-")[-1].capitalize(), c(first), number(), c(units), c(regions), c(cities))
    if t == 11:
        return "%s, %s \u2014 %s \u201c%s\u201d troops patrolled %s\u2019s border with %s." % (c(cities).upper(), date(), c(["Some", "About", "Nearly"]), c(demonyms), c(countries), c(countries))
    if t == 12:
        return "A colonel said the %s Province governorate had received %s tonnes of aid worth \u20ac%s." % (c(regions), number(), number())
    if t == 13:
        return "%s %s and %s %s addressed the %s of the Parliament %s." % (c(titles), person(), c(titles), person(), c(["Senate", "Mazhilis", "Council"]), date())
    if t == 14:
        return "Lt. Gen. %s and Maj. %s met %s at the %s Hotel in %s." % (person(), c(last), date(), c(last), place)
    if t == 15:
        return "%s%s %s, %s in %s and %s in %s, joined the %s." % (c(approx), number(), c(nouns), number(), c(cities), number(), c(cities), c(missions))
    if t == 16:
        return "The youth movement \"%s %s\" met at the %s Foundation in %s-%s." % (c(first), c(last), c(last), c(cities), c(cities))
    if t == 17:
        return "%s troops, %s police and %s civilians were counted in %s's %s district." % (number(), number(), number(), c(countries), c(regions))
    if t == 18:
        return "%s %s served with the %s from %d to %d and again since %s %d." % (c(ranks), c(last), c(services), R.randint(1970, 1999), R.randint(2000, 2010), c(months[:12]), R.randint(2011, 2024))
    if t == 19:
        return "The %s-year-old %s, a %s, was among %s %s held in %s." % (R.randint(18, 80), c(demonyms), c(["sergeant", "captain", "corporal", "major"]), c(["several hundred", "dozens of", "two dozen", "hundreds of"]), c(nouns), place)
    if t == 20:
        return "UNIFIL, UNDOF and MINUSMA reported %s%s incidents; KAZCENT and the CSTO were not told." % (c(approx), number())
    if t == 21:
        return "It rained %s mm in %s on %s; temperatures fell %s degrees and %s km of road closed." % (number(), place, date(), number(), number())
    if t == 22:
        return "Nice, Reading and Split are places; so is Jordan, said %s in %s." % (person(), c(["Amman", "Reading", "Nice"]))
    if t == 23:
        return "%s soldiers--all %s--were flown to %s via %s." % (number(), c(demonyms), place, c(cities))
    if t == 24:
        return "%s: %s %s, %s %s." % (c(["BREAKING", "UPDATE", "Analysis"]), c(titles).upper(), c(last).upper(), c(countries).upper(), date().upper())
    if t == 25:
        return "Soldat\u00adinnen and caf\u00e9 owners in Z\u00fcrich, S\u00e3o Paulo and \u0130stanbul counted %s \uff11\uff12 items at %s\u2009km/h." % (number(), number())
    if t == 26:
        return "%s %s told %s that the %s would spend US$%s billion over %s years." % (c(titles), person(), c(orgs), c(services), number(), number())
    return "%s was born in %s in %d and moved to %s during the %s." % (person(), place, R.randint(1920, 2005), c(cities), c(["war", "1990s", "Cold War", "spring of 2014"]))


def document(i):
    paragraphs = []
    for _ in range(R.randint(1, 4)):
        paragraphs.append(" ".join(sentence() for _ in range(R.randint(2, 6))))
    return {"id": "synthetic-%03d" % i, "text": "\n\n".join(paragraphs)}


if __name__ == "__main__":
    import sys
    out = sys.stdout
    for i in range(400):
        out.write(json.dumps(document(i), ensure_ascii=False) + "\n")
