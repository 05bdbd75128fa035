"""`python -m notice_factory` is the `notice-factory` command."""

from notice_factory.cli import main

main(prog_name="notice-factory")
