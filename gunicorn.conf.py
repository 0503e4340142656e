# gunicorn reads this file from its working directory (`make run`, docs/deploy.md).
# The access log goes through kaiku.web.accesslog: no query strings, no token paths.
logger_class = "kaiku.web.accesslog.RedactingLogger"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
