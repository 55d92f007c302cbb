"""Operations: health check and error pages."""
