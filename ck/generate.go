package ck

//go:generate go run ./internal/ckgen -o zconst.go -c ../module/zck.h
