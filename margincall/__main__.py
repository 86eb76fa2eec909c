"""``python -m margincall``: the CLI of the package found first on ``sys.path`` (the checkout
it runs from), whichever venv provides the dependencies."""

from .cli import main

if __name__ == "__main__":
    main()
