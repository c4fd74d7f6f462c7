"""Marketing Edge (Marchex / Telmetrics): call webhooks in the ASP.NET WebHooks envelope (seed 004)."""
