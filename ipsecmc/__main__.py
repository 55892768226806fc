"""``python -m ipsecmc``: the same command line as the ``ipsecmc`` console script."""

from ipsecmc.cli import main

if __name__ == "__main__":
    main()
