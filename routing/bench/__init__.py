"""Public benchmark instances (Solomon, VRPLIB, Li & Lim, LKH-3 VRPSPD) as ordinary problems,
so `route bench` exercises the same problem -> solver -> plan -> validator path as `route plan`."""
