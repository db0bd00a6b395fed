"""Wall time and peak memory of a run, on CPU and CUDA.

CPU: peak resident set size (RSS) of the process, sampled by a background thread every few
milliseconds; ``peak_mem_mb`` is the peak *above* the RSS at the start of the run, i.e. the
memory the run itself needed (``process_peak_mb`` is the absolute process peak).
CUDA: ``torch.cuda.max_memory_allocated`` after a reset, less the memory allocated at the start.
"""
from __future__ import annotations

import os
import threading
import time

import torch

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


#: device types a method can run on (``mps`` where PyTorch reports it available)
DEVICE_TYPES = ("cpu", "cuda", "mps")


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``None``/``"auto"`` -> CUDA when available, else CPU; ``"cpu"``, ``"cuda"``, ``"cuda:N"``
    (or a ``torch.device``). Anything else, or a GPU that is not there, is a clear ``ValueError``."""
    if device is None or (isinstance(device, str) and device.strip().lower() == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    usage = "use 'cpu', 'cuda', 'cuda:N' or 'auto'"
    if isinstance(device, str):
        try:
            dev = torch.device(device.strip().lower())
        except RuntimeError:
            raise ValueError(f"unknown device {device!r}: {usage}") from None
    elif isinstance(device, torch.device):
        dev = device
    else:
        raise ValueError(f"device must be a string such as 'cpu' or 'cuda' (or a torch.device), got {device!r}")
    if dev.type not in DEVICE_TYPES:
        raise ValueError(f"device {str(device)!r} is not supported here: {usage}")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {str(device)!r} was requested but torch.cuda.is_available() is False")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device {str(device)!r} was requested but only {torch.cuda.device_count()} "
                             f"CUDA device(s) are visible")
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError(f"device {str(device)!r} was requested but the MPS backend is not available")
    return dev


def current_rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; falls back to ru_maxrss)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except OSError:  # pragma: no cover - non-Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RunMonitor:
    """Context manager measuring seconds and peak memory of the enclosed block.

    >>> with RunMonitor("cpu") as mon:
    ...     work()
    >>> mon.seconds, mon.peak_mem_mb
    """

    def __init__(self, device: str | torch.device = "cpu", interval: float = 0.005):
        self.device = torch.device(device)
        self.interval = interval
        self.seconds = 0.0
        self.peak_mem_mb = 0.0
        self.process_peak_mb = 0.0

    def _sample(self):
        while not self._stop.is_set():
            self._peak = max(self._peak, current_rss_mb())
            self._stop.wait(self.interval)

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._start_alloc = torch.cuda.memory_allocated(self.device)
        self._start_rss = self._peak = current_rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.seconds = time.perf_counter() - self._t0
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, current_rss_mb())
        self.process_peak_mb = self._peak
        if self.device.type == "cuda":
            peak = torch.cuda.max_memory_allocated(self.device) - self._start_alloc
            self.peak_mem_mb = max(peak, 0) / 2**20
        else:
            self.peak_mem_mb = max(self._peak - self._start_rss, 0.0)
        return False
