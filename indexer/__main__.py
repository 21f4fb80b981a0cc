from indexer.cli import index_group

index_group(prog_name="python -m indexer")
