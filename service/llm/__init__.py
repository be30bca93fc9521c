"""The model step: ask an OpenAI-compatible model about what the anchors left open, keep only what the
report text confirms.

One concern per module: ``scope`` (which keys; their Chinese wordings are in service.lexicon), ``windows`` (which
text), ``prompts`` (rendering the versioned templates of ``prompts/``), ``response`` (the pydantic answer
model), ``grounding`` (quote → span → value check), ``cache`` (answers on disk) and ``client`` (instructor,
retries, the ``LlmAssistant`` the pipeline calls, ``from_env``). Nothing here is imported by the anchors.
"""
