"""``python -m movedesk`` runs the CLI."""

from movedesk.cli.main import main

main()
