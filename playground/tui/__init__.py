"""The playground TUI: a live cluster you can see, edit and drive from one terminal."""
