"""Phone check-in over the LAN: a tiny aiohttp server that lives as long as a live session.

Plain Python (no Textual). `facilitator.checkin.server` holds the app factory and the
`CheckinServer` the live screen starts and stops; `facilitator.checkin.page` holds the HTML.
The server module is not imported here, so importing the package stays cheap.
"""
