#!/usr/bin/env python3
"""Builds the held-out gold of 24 military news articles: the annotations
here (offsets, types and norms, without the articles' text, whose licence
keeps it out of the repository) joined with the articles of
SHARED/data/military_news/articles.jsonl.

    python3 tests/eval/heldout/build_gold.py ../shared /tmp/heldout.jsonl
    build/newsmine eval /tmp/heldout.jsonl

The articles are none of gold_dev's: 6 MUC-3/4 wire reports written in
capitals, 5 FNC-1, 5 TimeBank, 4 re3d and 4 WikiEvents documents, drawn at
random by corpus (docs/quality.md). Annotated to ANNOTATION.md by helpers
who did not see newsmine's rules or output; "name" norms are left out.
"""
import json
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: build_gold.py SHARED_DIR OUT.jsonl")
    here = os.path.dirname(os.path.abspath(__file__))
    articles = os.path.join(sys.argv[1], "data", "military_news", "articles.jsonl")
    texts = {}
    with open(articles, encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            texts[doc["id"]] = doc["text"]
    with open(os.path.join(here, "annotations.jsonl"), encoding="utf-8") as f, \
            open(sys.argv[2], "w", encoding="utf-8") as out:
        for line in f:
            doc = json.loads(line)
            text = texts.get(doc["id"])
            if text is None:
                sys.exit("%s: no article %s" % (articles, doc["id"]))
            for e in doc["entities"]:
                if not 0 <= e["start"] < e["end"] <= len(text):
                    sys.exit("%s: entity %r out of range" % (doc["id"], e))
                e["text"] = text[e["start"]:e["end"]]
            doc["text"] = text
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
