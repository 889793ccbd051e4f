from atomscope.cli import main

main()
