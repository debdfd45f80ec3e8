"""Controllers: level-triggered reconcilers woken by watches and clock timers."""
