"""The ``langchain-azure-audio`` command line, one module per subcommand (needs the ``cli`` extra).

:mod:`~langchain_azure_audio._cli.common` holds what every subcommand shares: the connection
options and the ``--emulator`` switch, exit codes, progress bars and error messages.
"""
