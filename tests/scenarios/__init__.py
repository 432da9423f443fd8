"""End-to-end scenarios of issue 3: the product against real index servers."""
