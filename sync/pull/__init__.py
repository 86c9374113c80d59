"""Pull: Zendesk -> local model. Step one of the cycle (pull -> decide -> push).

Refreshes the directory (users, groups, memberships, fields) when it is old, reads the
incremental export from the stored cursor and keeps the partner groups' tickets (each page
stored with its cursor in one transaction), then fetches the audits of every kept ticket
that changed. ``step`` holds the sequence; ``directory`` the directory's listings (each
keeping its last good copy), ``selection`` which tickets are kept and which need their
audits, ``fetching`` the audit fetches on a few threads. ``sync.cycle`` runs it first.
"""
