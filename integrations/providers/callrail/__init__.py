"""CallRail: call, text message and form submission webhooks, one URL per event (`?event=post_call`)."""
