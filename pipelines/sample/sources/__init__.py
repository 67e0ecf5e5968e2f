"""One writer module per source system: each turns the world into landing-file Tables."""
