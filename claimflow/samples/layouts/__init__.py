"""The five bill layouts. Each ``build(ctx)`` draws one bill on ``ctx.sheet`` and records what it printed."""
