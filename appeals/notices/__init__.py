"""Platform notices turned into case fields: the parser (pure) and the mail reader (pure)."""
