"""The phases of a conversation, one module per group; each function takes the Step."""
