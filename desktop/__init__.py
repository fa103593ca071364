"""ANTQ Desk: offline records of the movement "Toàn dân bảo vệ an ninh Tổ quốc"."""

__version__ = "0.1.0"
APP_NAME = "ANTQ Desk"
