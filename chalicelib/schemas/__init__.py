"""Request documents (pydantic). They validate input and describe it in the OpenAPI document."""
