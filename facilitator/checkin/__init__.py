"""Phone check-in over the LAN: a tiny aiohttp server that lives as long as a live session.

Plain Python (no Textual), one feature per module:

- `options`: where to serve, as chosen on the command line.
- `server`: the `CheckinServer` the live screen starts and stops (bind, token, URL, host).
- `app`: the web app (`make_checkin_app`): where a request goes, its guards and answers.
- `attempt`: one check-in against the database, in a worker thread, retried on a lock.
- `connections`: the HTTP connections (idle timeout, a cap, the app's own error pages).
- `limiter`: the failed-code limits, per address and across addresses.
- `page`: the HTML pages, rendered from the Jinja2 templates in `templates/`.
- `responses`: those pages as HTTP answers (the error pages); `guards`: cross-site, token.
- `answers`: the check-in scales answered with the greeting's receipt.
- `i18n`: English or Spanish, from `Accept-Language`; the catalogues in `locale/`.

No module is imported here, so importing the package stays cheap (it never imports aiohttp).
"""
