from seatkeeper.cli import main

main()
