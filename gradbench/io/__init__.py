"""gradbench's contact with the outside: the values a user types, the files it writes safely, and the
memory the machine has to give."""
