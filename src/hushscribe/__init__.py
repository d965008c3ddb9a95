"""hushscribe: a self-hosted real-time speech-to-text server speaking AssemblyAI's Streaming v3 protocol."""

import os

# numpy's OpenBLAS starts a thread per core for each matrix product and keeps them spinning between
# calls. The server's numpy work is many small products (speaker embeddings: 160 LSTM steps per turn)
# while it parallelises across sessions and decode workers, so the spinning only burnt CPU: measured
# 60-90 ms of CPU per speaker embedding with the default, 17-25 ms with one thread. Set before numpy
# is first imported (an explicit environment setting wins).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
