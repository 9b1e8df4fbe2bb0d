"""The command-line face of claimflow. ``main.py`` assembles the sub-commands, one module per area."""
