"""Reports: a campaign's summary, CSV of every delivery and chart, on /report and at the end."""
