"""Files in and out, with no knowledge of faces or models (the lowest room but the contract).

    media.py         images (checked, any mode -> RGB) and videos: read, probe, write mp4
    video_writer.py  PyAV encoding pieces shared by the one-shot and fragmented writers
    stream_writer.py fragmented mp4 and PNG-folder writers for frames that come one by one
    limits.py        the size and length limits every reader enforces
    timecode.py      SMPTE timecodes as Live Link Face writes them
    arkit.py         motion <-> ARKit / Live Link Face CSV (the table in arkit_table.py)
    examples.py      the built-in example portrait, and shared test assets when present
"""
