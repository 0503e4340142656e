from django.contrib import admin

from kaiku.web.models import ImportRecord

admin.site.register(ImportRecord)
