from compiler.entry import main

main()
