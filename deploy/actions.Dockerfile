FROM rasa/rasa-sdk:3.6.2
USER root
RUN pip install --no-cache-dir rapidfuzz==3.14.5 jsonschema==4.17.3 PyYAML==6.0.1 requests==2.31.0
COPY actions /app/actions
COPY reports /app/reports
COPY privacy /app/privacy
COPY knowledge /app/knowledge
COPY config /app/config
COPY var_layout.py /app/var_layout.py
ENV PYTHONPATH=/app
USER 1001
