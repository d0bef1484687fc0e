# Independent reference for src/core/experiment/power.ts: scipy's noncentral t and quad integration.
import numpy as np
from scipy import stats, integrate, optimize
def one(beyond, sd, n, a):
    df=n-1; return stats.nct.sf(stats.t.ppf(1-a,df), df, np.sqrt(n)*beyond/sd)
def two(d, sd, n, a):
    df=n-1; c=stats.t.ppf(1-a/2,df); lam=np.sqrt(n)*d/sd
    lo=stats.nct.cdf(-c,df,lam); return stats.nct.sf(c,df,lam)+(0 if np.isnan(lo) else lo)
def tost(d, sd, n, m, a):
    df=n-1; t=stats.t.ppf(1-a,df); k=np.sqrt(n)/sd
    f=lambda v: max(0.0, stats.norm.cdf(k*(m-d)-t*np.sqrt(v/df))-stats.norm.cdf(k*(-m-d)+t*np.sqrt(v/df)))*stats.chi2.pdf(v,df)
    return integrate.quad(f,0,np.inf,limit=400,epsabs=1e-13)[0]
print('one(1,1,3,.05)=%.10f'%one(1,1,3,.05))
print('one(0.02,0.03,5,.01)=%.10f'%one(0.02,0.03,5,.01))
print('two(0.05,0.03,5,.05)=%.10f'%two(0.05,0.03,5,.05))
print('two(0.1,0.029,3,.05)=%.10f'%two(0.1,0.029,3,.05))
print('tost(0,0.019,3,.05,.05)=%.10f'%tost(0,0.019,3,.05,.05))
print('tost(0.02,0.03,10,.05,.05)=%.10f'%tost(0.02,0.03,10,.05,.05))
for n in (3,5,10):
    s=optimize.brentq(lambda s: tost(0,s,n,.05,.05)-.8, 1e-4, .2, xtol=1e-12); print('sigma for TOST power .8 at 0, n=%d: %.6f'%(n,s))
for sd,n in ((0.029,3),(0.024,3),(0.05,5)):
    fz=optimize.brentq(lambda d: two(d,sd,n,.05)-.8,1e-6,0.4,xtol=1e-13)
    fb=optimize.brentq(lambda d: one(d,sd,n,.01)-.8,1e-6,0.4,xtol=1e-13)
    fb5=optimize.brentq(lambda d: one(d,sd,n,.05)-.8,1e-6,0.4,xtol=1e-13)
    print('sd=%g n=%d fromZero=%.8f fromBound(.01)=%.8f fromBound(.05)=%.8f'%(sd,n,fz,fb,fb5))
# equivalence zone at sd 0.01 n 5
sd,n=0.01,5
ew=optimize.brentq(lambda d: tost(d,sd,n,.05,.05)-.8,0,0.05,xtol=1e-12); print('equivalentWithin sd=.01 n=5: %.8f'%ew)
# normal approximation with t correction for comparison
for sd,n in ((0.029,3),):
    print('approx fromZero', (stats.t.ppf(.975,n-1)+stats.t.ppf(.8,n-1))*sd/np.sqrt(n))
def seeds(f):
    n=2
    while f(n)<.8: n+=1
    return n
print('seeds beyond: mean -0.071 sd 0.05 m .05 a .01:', seeds(lambda n: one(0.021,0.05,n,.01)))
print('seeds tost: mean 0.01 sd 0.03 m .05:', seeds(lambda n: tost(0.01,0.03,n,.05,.05)))
print('seeds bound: gap 0.119 bound .05 sd 0.04 a .05:', seeds(lambda n: one(0.069,0.04,n,.05)))
# verdict.test.ts, A with the Bonferroni case 0.09, 0.12, 0.15 (mean 0.12, sd 0.03, 3 seeds, bound +0.05 at α/5):
fz=optimize.brentq(lambda d: two(d,0.03,3,.05)-.8,1e-6,0.2,xtol=1e-13); fb=optimize.brentq(lambda d: one(d,0.03,3,.01)-.8,1e-6,0.3,xtol=1e-13)
print('A case: fromZero=%.8f fromBound=%.8f seeds=%d'%(fz,fb,seeds(lambda n: one(0.07,0.03,n,.01))))
