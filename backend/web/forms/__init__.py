"""Forms of the web UI, one module per screen. They parse input only; the services decide and validate the rest.

``projects``        the project list's filters and the new-project form
``project_detail``  the project detail screen: edit, tasks, comments, funding, KPIs, the transition button
``attachments``     files on the project and on comments
``inbox``           the approvals inbox and my tasks
``numbers``         Czech decimal numbers in and out
"""
