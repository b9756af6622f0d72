#!/usr/bin/env python3
# Run from the top of the tree: python3 tests/dups.py; exit 1 when a run repeats.
# dups.py [ROOT]: runs of 6 normalized non-blank lines that stand twice across
# tests/**/*.[ch] and bench/*.[ch] (the kinds table in lib/kinds.c aside).
import glob,os,re,sys,collections
root=sys.argv[1] if len(sys.argv)>1 else '.'
files=sorted(glob.glob(root+'/tests/**/*.[ch]',recursive=True))+sorted(glob.glob(root+'/bench/*.[ch]'))
files=[f for f in files if '/build' not in f]
W=6; seen=collections.defaultdict(list)
for f in files:
    lines=[(i+1,re.sub(r'\s+',' ',l.strip())) for i,l in enumerate(open(f))]
    lines=[(i,l) for i,l in lines if l and l not in ('{','}','};','*/','/*','*')]
    if f.endswith('lib/kinds.c'):
        lines=[(i,l) for i,l in lines if not l.startswith(('{ .name','.flags','.level','.uses','/*'))]
    for k in range(len(lines)-W+1):
        key='\n'.join(l for _,l in lines[k:k+W])
        seen[key].append((os.path.relpath(f,root),lines[k][0]))
runs=[(k,v) for k,v in seen.items() if len(v)>1]
# merge overlapping windows: report the first line of each run of windows
rep=collections.OrderedDict()
for k,v in sorted(runs,key=lambda kv:kv[1]):
    key=tuple(sorted(set(x for x,_ in v)))
    rep.setdefault(str(v[0][0])+':'+str(v[0][1]//20),v)
prev=None; n=0
for k,v in sorted(runs,key=lambda kv:kv[1][0]):
    a=v[0]
    if prev and prev[0]==a[0] and a[1]-prev[1]<=8: prev=a; continue
    prev=a; n+=1
    print('; '.join('%s:%d'%x for x in v))
print('%d repeated runs of %d lines' % (n,W))
sys.exit(1 if n else 0)
