def navigation(request):
    return {"cooperative": getattr(request, "cooperative", None), "membership": getattr(request, "membership", None)}
