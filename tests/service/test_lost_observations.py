"""The notice observations_lost carries what the widget gave up, per stream: the reviewer and the receipt see the
count; each report stands on its own (no cooldown swallows one), and a retried report counts once."""

from __future__ import annotations


def test_lost_counts_reach_the_violation_list_and_the_receipt(opened, clock):
    clock.now += 1
    first = opened.post("/events", {"type": "observations_lost", "seq": 1, "lost": {"frames": 3, "audio": 1}})
    assert first.status_code == 200, first.content
    [notice] = first.json()["violations"]
    assert (notice["code"], notice["notice"]) == ("observations_lost", True)
    assert notice["detail"] == {"lost": {"frames": 3, "audio": 1}, "count": 4}
    assert opened.post("/events", {"type": "observations_lost", "seq": 1, "lost": {"frames": 3, "audio": 1}}).json()[
        "violations"
    ] == [notice], "a retry with the same seq gets the same answer"
    clock.now += 1  # a second report a second later is counted too
    second = opened.post("/events", {"type": "observations_lost", "seq": 2, "lost": {"events": 2}})
    assert [v["detail"] for v in second.json()["violations"]] == [{"lost": {"events": 2}, "count": 2}]

    listed = opened.get("/violations").json()["violations"]
    assert [v["detail"].get("count") for v in listed] == [4, 2]
    report = opened.post("/end").json()
    assert (report["score"], report["penalties"]) == (100, [])
    assert [line["description"] for line in report["receipt"]] == [
        "4 observations could not be delivered and were lost (3 camera frames, 1 microphone report)",
        "2 observations could not be delivered and were lost (2 page events)",
    ]
    assert report["notices"][0].startswith("4 observations could not be delivered and were lost (3 camera frames")


def test_a_report_without_counts_still_reads_as_words(opened, clock):
    clock.now += 1
    [notice] = opened.post("/events", {"type": "observations_lost"}).json()["violations"]
    assert notice["detail"] == {}
    [line] = opened.post("/end").json()["receipt"]
    assert line["description"] == "Some observations could not be delivered and were lost"
