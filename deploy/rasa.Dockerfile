FROM rasa/rasa:3.6.21-full
USER root
RUN pip install --no-cache-dir spacy-lookups-data==1.0.5
COPY rasa_project /app/rasa_project
COPY deploy /app/deploy
COPY nlu_components /app/nlu_components
COPY privacy /app/privacy
COPY config /app/config
ENV PYTHONPATH=/app
USER 1001
