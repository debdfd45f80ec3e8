"""One module per kubectl verb; each exposes `run(ctx, argv)` and its flag table."""
