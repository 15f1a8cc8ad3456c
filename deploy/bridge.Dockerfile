FROM python:3.11-slim
WORKDIR /app
COPY requirements/bridge.txt /app/requirements/bridge.txt
RUN pip install --no-cache-dir -r requirements/bridge.txt
COPY matrix_bridge /app/matrix_bridge
COPY reports /app/reports
COPY privacy /app/privacy
COPY dashboard /app/dashboard
COPY knowledge /app/knowledge
COPY var_layout.py /app/var_layout.py
ENV PYTHONPATH=/app
CMD ["python", "-m", "matrix_bridge"]
