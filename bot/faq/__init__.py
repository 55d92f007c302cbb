"""Answer customers' questions from the retailer's FAQ."""
