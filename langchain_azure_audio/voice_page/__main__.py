"""``python -m langchain_azure_audio.voice_page --tools module:attribute``."""

from langchain_azure_audio.voice_page.server import main

raise SystemExit(main())
