"""Staff pages for banned words, one module per subject: the studio's own list with its
history and revert (`words`), the dry run (`dry_run`), the provider's list (`provider`)."""
