#!/usr/bin/env python3
"""How much of a junction turn's lateral peak a local fit of 1 Hz positions keeps.

Noise-free turns with a raised-cosine yaw rate (peak lateral A m/s², tightest
radius R m, turn angle ang°; the simulator's junction turns), sampled at 1 Hz
at four phases; for each, the largest |lateral acceleration| estimated by
  quad: the shipped estimator, a quadratic in time over ±2 s (x and y);
  ctra: a constant-turn-rate model over ±2 s (heading linear in time, speed
        known), fitted by nonlinear least squares,
as a share of the true peak. docs/ACCURACY.md quotes the result.
Needs numpy and scipy: python3 scripts/turn_retention.py
"""
import numpy as np
from scipy.optimize import least_squares
rng=np.random.default_rng(1)
def turn(A,R,ang,phase):
    v=np.sqrt(A*R); w=A/v; D=2*ang/w
    dt=0.01; T=np.arange(-6,D+6,dt)
    yaw=np.where((T>=0)&(T<=D), w*np.sin(np.pi*np.clip(T,0,D)/D)**2,0)
    psi=np.cumsum(yaw)*dt
    x=np.cumsum(v*np.sin(psi))*dt; y=np.cumsum(v*np.cos(psi))*dt
    ts=np.arange(-6+phase,D+6,1.0)
    xs=np.interp(ts,T,x); ys=np.interp(ts,T,y)
    return ts,xs,ys,v,D
def quad_alat(ts,xs,ys,k,h=2):
    m=np.abs(ts-ts[k])<=h+1e-9
    tau=ts[m]-ts[k]
    cx=np.polyfit(tau,xs[m],2); cy=np.polyfit(tau,ys[m],2)
    vx,vy=cx[1],cy[1]; ax,ay=2*cx[0],2*cy[0]
    sp=np.hypot(vx,vy); return (vx*ay-vy*ax)/sp
def ctra_alat(ts,xs,ys,k,vmeas,h=2):
    m=np.abs(ts-ts[k])<=h+1e-9
    tau=ts[m]-ts[k]
    cx=np.polyfit(tau,xs[m],2); cy=np.polyfit(tau,ys[m],2)
    vx,vy=cx[1],cy[1]
    psi0=np.arctan2(vx,vy)
    g=np.polynomial.legendre.leggauss(6)
    def model(p):
        x0,y0,ps,w=p
        out=[]
        for t in tau:
            u=(g[0]+1)/2*t; wts=g[1]/2*t
            ph=ps+w*u
            out.append(x0+np.sum(wts*vmeas*np.sin(ph))); out.append(y0+np.sum(wts*vmeas*np.cos(ph)))
        return np.array(out)
    obs=np.ravel(np.column_stack([xs[m],ys[m]]))
    r=least_squares(lambda p: model(p)-obs,[cx[2],cy[2],psi0,0.0])
    return -r.x[3]*vmeas  # sign
for A in [4.4,5.0,6.0]:
  for R in [8,14,20]:
    for ang in [70,90,110]:
      res=[]
      for phase in [0,0.25,0.5,0.75]:
        ts,xs,ys,v,D=turn(A,R,np.radians(ang),phase)
        q=max(abs(quad_alat(ts,xs,ys,k)) for k in range(2,len(ts)-2))
        c=max(abs(ctra_alat(ts,xs,ys,k,v)) for k in range(2,len(ts)-2))
        res.append((q/A,c/A))
      r=np.array(res).mean(0)
      print(f"A={A} R={R} ang={ang} D={D:.1f}s  quad {r[0]:.2f}  ctra {r[1]:.2f}")
