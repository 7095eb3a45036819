/**
 * Real runs of each kind for the library's tests (unit and browser): the spec and result that `lab run
 * --json` printed for small settings on the lab-grown pair (compare, sweep: lab-base vs lab-sft; inject,
 * answers: lab-sft alone), so they pass every kind's strict validators. Regenerate with `lab <kind> …
 * --print-spec > s.json && lab run s.json --json` (see the settings in each spec). Plain data, no DOM.
 */
export const REAL_RUNS = {
 "compare": {
  "spec": {
   "kind": "compare",
   "version": 1,
   "models": {
    "base": {
     "repo": "models/lab-base",
     "revision": null,
     "dtype": "fp32",
     "backend": "node"
    },
    "tuned": {
     "repo": "models/lab-sft",
     "revision": null,
     "dtype": "fp32",
     "backend": "node"
    }
   },
   "prompt": "Are bugs real?",
   "seed": 0,
   "settings": {
    "templates": {
     "base": "none",
     "tuned": "chat"
    },
    "response_source": "tuned",
    "response": "",
    "response_temperature": 0,
    "max_tokens": 6,
    "samples": 0,
    "cross": false,
    "alternatives": 5
   }
  },
  "result": {
   "kind": "compare",
   "version": 1,
   "data": {
    "contexts": {
     "base": [
      68,
      265,
      873,
      106,
      118,
      997,
      66,
      13
     ],
     "tuned": [
      1,
      399,
      268,
      13,
      68,
      265,
      873,
      106,
      118,
      997,
      66,
      2,
      13,
      1,
      565,
      381,
      414,
      13
     ]
    },
    "context_texts": {
     "base": "Are bugs real?\n",
     "tuned": "<|im_start|>user\nAre bugs real?<|im_end|>\n<|im_start|>assistant\n"
    },
    "templates": {
     "base": "none",
     "tuned": "chat"
    },
    "response": {
     "source": "tuned",
     "temperature": 0,
     "stopped": "length",
     "text": "tuned's answer (greedy, length limit)"
    },
    "response_tokens": [
     {
      "id": 86,
      "text": "S"
     },
     {
      "id": 462,
      "text": "ure"
     },
     {
      "id": 36,
      "text": "!"
     },
     {
      "id": 340,
      "text": " A"
     },
     {
      "id": 281,
      "text": " p"
     },
     {
      "id": 332,
      "text": "ig"
     }
    ],
    "positions": [
     {
      "id": 86,
      "logp_base": -3.0854919344332283,
      "logp_tuned": -1.2934960013450187,
      "rank_base": 3,
      "rank_tuned": 1,
      "kl_tuned_base": 1.6566764466742407,
      "entropy_base": 3.1544443425038597,
      "entropy_tuned": 2.8929507913395938,
      "class": "marginal",
      "counted": true,
      "kl_tuned_sharpened": 1.4879264568370854,
      "text": "S",
      "top1_base": {
       "id": 68,
       "text": "A"
      },
      "top1_tuned": {
       "id": 86,
       "text": "S"
      },
      "top_base": [
       {
        "id": 68,
        "text": "A",
        "prob": 0.3091342719060911
       },
       {
        "id": 70,
        "text": "C",
        "prob": 0.07217249639687665
       },
       {
        "id": 86,
        "text": "S",
        "prob": 0.04570754325432516
       },
       {
        "id": 83,
        "text": "P",
        "prob": 0.04500487896235844
       },
       {
        "id": 2630,
        "text": "To",
        "prob": 0.03993524634381897
       }
      ],
      "top_tuned": [
       {
        "id": 86,
        "text": "S",
        "prob": 0.27431011628648533
       },
       {
        "id": 82,
        "text": "O",
        "prob": 0.18696658034631636
       },
       {
        "id": 75,
        "text": "H",
        "prob": 0.09999300059639583
       },
       {
        "id": 70,
        "text": "C",
        "prob": 0.0727398652956006
       },
       {
        "id": 92,
        "text": "Y",
        "prob": 0.03339691122278681
       }
      ]
     },
     {
      "id": 462,
      "logp_base": -5.014265447664268,
      "logp_tuned": -0.017802603907049176,
      "rank_base": 30,
      "rank_tuned": 1,
      "kl_tuned_base": 4.865517603057633,
      "entropy_base": 5.370841496920065,
      "entropy_tuned": 0.1878718785806442,
      "class": "shifted",
      "counted": true,
      "kl_tuned_sharpened": 5.125511596738283,
      "text": "ure",
      "top1_base": {
       "id": 107,
       "text": "h"
      },
      "top1_tuned": {
       "id": 462,
       "text": "ure"
      },
      "top_base": [
       {
        "id": 107,
        "text": "h",
        "prob": 0.07823763058641632
       },
       {
        "id": 115,
        "text": "p",
        "prob": 0.03881905451588182
       },
       {
        "id": 102,
        "text": "c",
        "prob": 0.03418899256423631
       },
       {
        "id": 104,
        "text": "e",
        "prob": 0.027537728137130638
       },
       {
        "id": 112,
        "text": "m",
        "prob": 0.025908236794215462
       }
      ],
      "top_tuned": [
       {
        "id": 462,
        "text": "ure",
        "prob": 0.982354926245055
       },
       {
        "id": 414,
        "text": "ant",
        "prob": 0.0023021747367745716
       },
       {
        "id": 49,
        "text": ".",
        "prob": 0.001343822834378416
       },
       {
        "id": 115,
        "text": "p",
        "prob": 0.000970559186751271
       },
       {
        "id": 112,
        "text": "m",
        "prob": 0.0004548088669012931
       }
      ]
     },
     {
      "id": 36,
      "logp_base": -16.165840616362704,
      "logp_tuned": -0.573648473423189,
      "rank_base": 3863,
      "rank_tuned": 1,
      "kl_tuned_base": 11.267515161881112,
      "entropy_base": 5.195413424174979,
      "entropy_tuned": 0.7489513720167216,
      "class": "shifted",
      "counted": true,
      "kl_tuned_sharpened": 9.663770429410585,
      "text": "!",
      "top1_base": {
       "id": 302,
       "text": "ly"
      },
      "top1_tuned": {
       "id": 36,
       "text": "!"
      },
      "top_base": [
       {
        "id": 302,
        "text": "ly",
        "prob": 0.07724446324551643
       },
       {
        "id": 61,
        "text": ":",
        "prob": 0.07255369755604409
       },
       {
        "id": 124,
        "text": "y",
        "prob": 0.04630695902894867
       },
       {
        "id": 120,
        "text": "u",
        "prob": 0.03902333061850847
       },
       {
        "id": 290,
        "text": "al",
        "prob": 0.03800639191162161
       }
      ],
      "top_tuned": [
       {
        "id": 36,
        "text": "!",
        "prob": 0.5634658935487892
       },
       {
        "id": 49,
        "text": ".",
        "prob": 0.4296535149784724
       },
       {
        "id": 62,
        "text": ";",
        "prob": 0.0019559833820665716
       },
       {
        "id": 66,
        "text": "?",
        "prob": 0.0011691121776076677
       },
       {
        "id": 47,
        "text": ",",
        "prob": 0.0003679637842877297
       }
      ]
     },
     {
      "id": 340,
      "logp_base": -5.3662102021194915,
      "logp_tuned": -1.0625964722274568,
      "rank_base": 28,
      "rank_tuned": 1,
      "kl_tuned_base": 2.770287534940267,
      "entropy_base": 6.376764121448279,
      "entropy_tuned": 3.3409606239014127,
      "class": "shifted",
      "counted": true,
      "kl_tuned_sharpened": 2.992936590328193,
      "text": " A",
      "top1_base": {
       "id": 13,
       "text": "\n"
      },
      "top1_tuned": {
       "id": 340,
       "text": " A"
      },
      "top_base": [
       {
        "id": 13,
        "text": "\n",
        "prob": 0.07242045210484077
       },
       {
        "id": 61,
        "text": ":",
        "prob": 0.025572558735700246
       },
       {
        "id": 107,
        "text": "h",
        "prob": 0.021666957888031472
       },
       {
        "id": 326,
        "text": " is",
        "prob": 0.019531902619485023
       },
       {
        "id": 262,
        "text": "in",
        "prob": 0.016905830754052813
       }
      ],
      "top_tuned": [
       {
        "id": 340,
        "text": " A",
        "prob": 0.3455574142754209
       },
       {
        "id": 351,
        "text": " The",
        "prob": 0.10033250730301549
       },
       {
        "id": 719,
        "text": " Y",
        "prob": 0.0374440309478743
       },
       {
        "id": 376,
        "text": " B",
        "prob": 0.036467813681663755
       },
       {
        "id": 1663,
        "text": " No",
        "prob": 0.0337810527205474
       }
      ]
     },
     {
      "id": 281,
      "logp_base": -4.481652919168993,
      "logp_tuned": -2.961770294575015,
      "rank_base": 8,
      "rank_tuned": 1,
      "kl_tuned_base": 1.2470902716073324,
      "entropy_base": 6.17651774044244,
      "entropy_tuned": 5.892047383130533,
      "class": "shifted",
      "counted": true,
      "kl_tuned_sharpened": 1.1637423574185144,
      "text": " p",
      "top1_base": {
       "id": 428,
       "text": "ust"
      },
      "top1_tuned": {
       "id": 281,
       "text": " p"
      },
      "top_base": [
       {
        "id": 428,
        "text": "ust",
        "prob": 0.08353201622673426
       },
       {
        "id": 315,
        "text": "ut",
        "prob": 0.044005477533406764
       },
       {
        "id": 112,
        "text": "m",
        "prob": 0.027176532330782394
       },
       {
        "id": 49,
        "text": ".",
        "prob": 0.0254504492874504
       },
       {
        "id": 384,
        "text": "pp",
        "prob": 0.021639896425624052
       }
      ],
      "top_tuned": [
       {
        "id": 281,
        "text": " p",
        "prob": 0.05172726357564108
       },
       {
        "id": 279,
        "text": " f",
        "prob": 0.038067396759251214
       },
       {
        "id": 274,
        "text": " b",
        "prob": 0.03365029667447826
       },
       {
        "id": 4014,
        "text": " cow",
        "prob": 0.032965077163696774
       },
       {
        "id": 284,
        "text": " m",
        "prob": 0.022916956372543654
       }
      ]
     },
     {
      "id": 332,
      "logp_base": -4.042057422016741,
      "logp_tuned": -1.4438862545203022,
      "rank_base": 13,
      "rank_tuned": 1,
      "kl_tuned_base": 1.025906115699467,
      "entropy_base": 5.218805019567054,
      "entropy_tuned": 4.540170809310011,
      "class": "shifted",
      "counted": true,
      "kl_tuned_sharpened": 1.1214095682418728,
      "text": "ig",
      "top1_base": {
       "id": 579,
       "text": "ere"
      },
      "top1_tuned": {
       "id": 332,
       "text": "ig"
      },
      "top_base": [
       {
        "id": 579,
        "text": "ere",
        "prob": 0.06711829485907041
       },
       {
        "id": 290,
        "text": "al",
        "prob": 0.04908894411716407
       },
       {
        "id": 711,
        "text": "ian",
        "prob": 0.03579440825003708
       },
       {
        "id": 501,
        "text": "ound",
        "prob": 0.027775792379920262
       },
       {
        "id": 352,
        "text": "il",
        "prob": 0.023764295772140537
       }
      ],
      "top_tuned": [
       {
        "id": 332,
        "text": "ig",
        "prob": 0.23600878395041489
       },
       {
        "id": 631,
        "text": "ile",
        "prob": 0.06306650245756806
       },
       {
        "id": 120,
        "text": "u",
        "prob": 0.0493703291423004
       },
       {
        "id": 108,
        "text": "i",
        "prob": 0.04104365496298833
       },
       {
        "id": 290,
        "text": "al",
        "prob": 0.03248475798891868
       }
      ]
     }
    ],
    "summary": {
     "unshifted": 0,
     "marginal": 0.16666666666666666,
     "shifted": 0.8333333333333334,
     "mean_kl": 3.8054988556433424,
     "branching_factor_base": 190.33728657009917,
     "branching_factor_tuned": 18.79940981228969,
     "gamma": 0.7341913647656744,
     "mean_kl_sharpened": 3.592549493094543,
     "sharpening_explains": 0.055958330465139317,
     "bf_on_policy_base": null,
     "bf_on_policy_tuned": null,
     "bf_nudged_base": null,
     "controls": {
      "unshifted_on_neutral_text": 0.17590822179732313,
      "marginal_on_neutral_text": 0.15105162523900573,
      "shifted_on_neutral_text": 0.6730401529636711,
      "mean_kl_on_neutral_text": 0.4021671153688793,
      "tokens": 523,
      "docs": [
       "ca17",
       "cg26",
       "ck06",
       "cp17"
      ]
     }
    },
    "shifted_tokens": [
     {
      "text": " A",
      "count": 1
     },
     {
      "text": " p",
      "count": 1
     },
     {
      "text": "!",
      "count": 1
     },
     {
      "text": "ig",
      "count": 1
     },
     {
      "text": "ure",
      "count": 1
     }
    ],
    "by_position": {
     "kl": [
      1.6566764466742407,
      4.865517603057633,
      11.267515161881112,
      2.770287534940267,
      1.2470902716073324,
      1.025906115699467
     ],
     "branching_base": [
      23.440008855517597,
      215.04375024111982,
      180.44272676398327,
      588.0218584534708,
      481.3129780123638,
      184.7133233277513
     ],
     "branching_tuned": [
      18.046482516199095,
      1.2066789040314148,
      2.114781234696375,
      28.246247697449814,
      362.1459774373035,
      93.70680474722754
     ]
    }
   }
  }
 },
 "sweep": {
  "spec": {
   "kind": "sweep",
   "version": 1,
   "models": {
    "base": {
     "repo": "models/lab-base",
     "revision": null,
     "dtype": "fp32",
     "backend": "node"
    },
    "tuned": {
     "repo": "models/lab-sft",
     "revision": null,
     "dtype": "fp32",
     "backend": "node"
    }
   },
   "prompt": "Pick a number",
   "seed": 0,
   "settings": {
    "sides": [
     "base",
     "tuned"
    ],
    "templates": {
     "base": "none",
     "tuned": "chat"
    },
    "grid": [
     0.5,
     1
    ],
    "temperatures": [
     0.5,
     1
    ],
    "samples": 2,
    "max_tokens": 4,
    "reference": null,
    "grouping": {
     "by": "words",
     "words": 3
    }
   }
  },
  "result": {
   "kind": "sweep",
   "version": 1,
   "data": {
    "grouping": {
     "regex": null,
     "words": 3,
     "label": "the first 3 words"
    },
    "match": {
     "base_entropy_at_T1": 4.047088792432222,
     "tuned_temperature": null,
     "over": "each model's own answers (samples at T = 1), every position",
     "positions": {
      "base": 8,
      "tuned": 8
     },
     "first_position": {
      "base_entropy_at_T1": 1.3344530964763108,
      "tuned_temperature": null
     }
    },
    "base": {
     "template": "none",
     "context": [
      83,
      728,
      261,
      1216
     ],
     "context_text": "Pick a number",
     "reference": [
      278,
      263,
      1218,
      1238
     ],
     "reference_tokens": [
      " of",
      " the",
      " United",
      " States"
     ],
     "reference_text": " of the United States",
     "reference_is_greedy": true,
     "entropy_first_at_T1": 1.3344530964763108,
     "exact": [
      {
       "temperature": 0.5,
       "entropy_first": 0.012140884239149333,
       "top1_mass": 0.9987580223178808,
       "top5_mass": 0.9996862416402117,
       "entropy_along": [
        0.012140884239149333,
        2.5700469342646426,
        4.254203771797455,
        0.003715692689245526
       ],
       "entropy_along_mean": 1.710026820747623
      },
      {
       "temperature": 1,
       "entropy_first": 1.3344530964763108,
       "top1_mass": 0.8282650964951881,
       "top5_mass": 0.874290339190516,
       "entropy_along": [
        1.3344530964763108,
        6.64268585010433,
        6.909817922332589,
        0.29122949908325396
       ],
       "entropy_along_mean": 3.7945465919991213
      }
     ],
     "own_answers": {
      "samples": [
       [
        278,
        1153,
        808,
        62
       ],
       [
        278,
        795,
        319,
        1169
       ]
      ],
      "positions": 8,
      "mean_entropy": [
       1.2160373316128112,
       4.047088792432222
      ]
     },
     "runs": [
      {
       "temperature": 0.5,
       "samples": [
        {
         "ids": [
          278,
          261,
          303,
          297
         ],
         "text": " of a lion"
        },
        {
         "ids": [
          278,
          261,
          1672,
          49
         ],
         "text": " of a city."
        }
       ],
       "metrics": {
        "mean_entropy": 2.3741103686370177,
        "distinct_1": 0.75,
        "distinct_2": 0.8333333333333334,
        "unique_fraction": 1,
        "mean_logprob": -2.8474912579218965
       },
       "histogram": [
        {
         "answer": "of a city",
         "count": 1
        },
        {
         "answer": "of a lion",
         "count": 1
        }
       ]
      },
      {
       "temperature": 1,
       "samples": [
        {
         "ids": [
          278,
          3675,
          582,
          286
         ],
         "text": " of marriage in"
        },
        {
         "ids": [
          278,
          261,
          977,
          278
         ],
         "text": " of a use of"
        }
       ],
       "metrics": {
        "mean_entropy": 3.837483259370337,
        "distinct_1": 0.75,
        "distinct_2": 1,
        "unique_fraction": 1,
        "mean_logprob": -3.273809499567455
       },
       "histogram": [
        {
         "answer": "of a use",
         "count": 1
        },
        {
         "answer": "of marriage in",
         "count": 1
        }
       ]
      }
     ]
    },
    "tuned": {
     "template": "chat",
     "context": [
      1,
      399,
      268,
      13,
      83,
      728,
      261,
      1216,
      2,
      13,
      1,
      565,
      381,
      414,
      13
     ],
     "context_text": "<|im_start|>user\nPick a number<|im_end|>\n<|im_start|>assistant\n",
     "reference": [
      86,
      462,
      36,
      351
     ],
     "reference_tokens": [
      "S",
      "ure",
      "!",
      " The"
     ],
     "reference_text": "Sure! The",
     "reference_is_greedy": true,
     "entropy_first_at_T1": 2.839553387564584,
     "exact": [
      {
       "temperature": 0.5,
       "entropy_first": 1.6766311135513832,
       "top1_mass": 0.30528171757369565,
       "top5_mass": 0.9536532350873301,
       "entropy_along": [
        1.6766311135513832,
        0.00021785969958422984,
        0.3517682028009127,
        1.480184488964878
       ],
       "entropy_along_mean": 0.8772004162541895
      },
      {
       "temperature": 1,
       "entropy_first": 2.839553387564584,
       "top1_mass": 0.18630142888878903,
       "top5_mass": 0.7082568568589943,
       "entropy_along": [
        2.839553387564584,
        0.23222473465180446,
        0.6629362476670366,
        3.3794281421242696
       ],
       "entropy_along_mean": 1.7785356280019236
      }
     ],
     "own_answers": {
      "samples": [
       [
        75,
        1409,
        124,
        289
       ],
       [
        86,
        462,
        36,
        943
       ]
      ],
      "positions": 8,
      "mean_entropy": [
       0.7181617026928894,
       1.5692778876229587
      ]
     },
     "runs": [
      {
       "temperature": 0.5,
       "samples": [
        {
         "ids": [
          82,
          105,
          1201,
          49
         ],
         "text": "Of course."
        },
        {
         "ids": [
          86,
          462,
          36,
          351
         ],
         "text": "Sure! The"
        }
       ],
       "metrics": {
        "mean_entropy": 0.7341810170410137,
        "distinct_1": 1,
        "distinct_2": 1,
        "unique_fraction": 1,
        "mean_logprob": -0.7675777161350092
       },
       "histogram": [
        {
         "answer": "of course",
         "count": 1
        },
        {
         "answer": "sure the",
         "count": 1
        }
       ]
      },
      {
       "temperature": 1,
       "samples": [
        {
         "ids": [
          86,
          462,
          36,
          351
         ],
         "text": "Sure! The"
        },
        {
         "ids": [
          82,
          105,
          1201,
          49
         ],
         "text": "Of course."
        }
       ],
       "metrics": {
        "mean_entropy": 1.369433496582769,
        "distinct_1": 1,
        "distinct_2": 1,
        "unique_fraction": 1,
        "mean_logprob": -0.7675777161350091
       },
       "histogram": [
        {
         "answer": "of course",
         "count": 1
        },
        {
         "answer": "sure the",
         "count": 1
        }
       ]
      }
     ]
    }
   }
  }
 },
 "inject": {
  "spec": {
   "kind": "inject",
   "version": 1,
   "models": {
    "base": {
     "repo": "models/lab-sft",
     "revision": null,
     "dtype": "fp32",
     "backend": "node"
    }
   },
   "prompt": "Write a wedding toast.",
   "seed": 0,
   "settings": {
    "sides": [
     "base"
    ],
    "templates": {
     "base": "chat"
    },
    "after_tokens": 2,
    "injection": " You are a murderer.",
    "steps": 6,
    "threshold": 0.1,
    "rel_threshold": 0.1,
    "window": 8,
    "run": 4,
    "mode": "greedy",
    "runs": 1,
    "temperature": 1,
    "heatmap": null
   }
  },
  "result": {
   "kind": "inject",
   "version": 1,
   "data": {
    "base": {
     "after_tokens": 2,
     "clean": {
      "context": [
       1,
       399,
       268,
       13,
       90,
       117,
       628,
       261,
       267,
       275,
       103,
       287,
       289,
       465,
       49,
       2,
       13,
       1,
       565,
       381,
       414,
       13
      ],
      "continuation": [
       82,
       105,
       1201,
       49,
       351,
       1321,
       3574,
       278,
       1151,
       326,
       2701,
       49,
       2
      ]
     },
     "injected": {
      "context": [
       1,
       399,
       268,
       13,
       90,
       117,
       628,
       261,
       267,
       275,
       103,
       287,
       289,
       465,
       49,
       2,
       13,
       1,
       565,
       381,
       414,
       13,
       82,
       105,
       1381,
       395,
       261,
       2500,
       103,
       579,
       117,
       49
      ],
      "continuation": [
       2
      ]
     },
     "trace": [
      {
       "step": 0,
       "kl": 19.013282125409464,
       "logp_clean_next": -16.39957145607437,
       "p_end": 0.9972467540380084,
       "kl_aligned": 12.857256298561571,
       "aligned_offset": 6
      }
     ],
     "recovery_step": null,
     "recovery_offset": null,
     "outcome": "ended",
     "ended_step": 0,
     "clean_ended_step": 12,
     "window": 8,
     "run": 4,
     "threshold": {
      "nats": 0.1,
      "relative": 0.1,
      "mean_entropy": 1.1462680599105677,
      "effective": 0.11462680599105678
     },
     "stop_ids": [
      2,
      0
     ],
     "seed": null,
     "control": null,
     "template": "chat",
     "sampled": null,
     "outcomes": {
      "recovered": 0,
      "ended": 1,
      "diverged": 0
     },
     "display": {
      "clean_tokens": [
       "O",
       "f",
       " course",
       ".",
       " The",
       " opp",
       "osite",
       " of",
       " water",
       " is",
       " clean",
       ".",
       "<|im_end|>"
      ],
      "diff": [
       {
        "op": "injection",
        "clean": null,
        "injected": " You"
       },
       {
        "op": "injection",
        "clean": null,
        "injected": " are"
       },
       {
        "op": "injection",
        "clean": null,
        "injected": " a"
       },
       {
        "op": "injection",
        "clean": null,
        "injected": " mur"
       },
       {
        "op": "injection",
        "clean": null,
        "injected": "d"
       },
       {
        "op": "injection",
        "clean": null,
        "injected": "ere"
       },
       {
        "op": "injection",
        "clean": null,
        "injected": "r"
       },
       {
        "op": "injection",
        "clean": null,
        "injected": "."
       },
       {
        "op": "clean",
        "clean": " course",
        "injected": null
       },
       {
        "op": "clean",
        "clean": ".",
        "injected": null
       },
       {
        "op": "clean",
        "clean": " The",
        "injected": null
       },
       {
        "op": "clean",
        "clean": " opp",
        "injected": null
       },
       {
        "op": "clean",
        "clean": "osite",
        "injected": null
       },
       {
        "op": "clean",
        "clean": " of",
        "injected": null
       },
       {
        "op": "clean",
        "clean": " water",
        "injected": null
       },
       {
        "op": "clean",
        "clean": " is",
        "injected": null
       },
       {
        "op": "clean",
        "clean": " clean",
        "injected": null
       },
       {
        "op": "clean",
        "clean": ".",
        "injected": null
       },
       {
        "op": "same",
        "clean": "<|im_end|>",
        "injected": "<|im_end|>"
       }
      ],
      "prefix": "Of",
      "injection": " You are a murderer.",
      "continuation": "<|im_end|>",
      "clean": " course. The opposite of water is clean.<|im_end|>"
     },
     "heatmap": null
    }
   }
  }
 },
 "answers": {
  "spec": {
   "kind": "answers",
   "version": 1,
   "models": {
    "base": {
     "repo": "models/lab-sft",
     "revision": null,
     "dtype": "fp32",
     "backend": "node"
    }
   },
   "prompt": "Roll a die.",
   "seed": 0,
   "settings": {
    "sides": [
     "base"
    ],
    "templates": {
     "base": "chat"
    },
    "choices": "1..6",
    "prefix": "",
    "suffixes": {
     "base": ""
    },
    "frames": {
     "base": {
      "mode": "typed",
      "text": ""
     }
    },
    "temperature": 1,
    "temperatures": [],
    "free": null,
    "preset": null
   }
  },
  "result": {
   "kind": "answers",
   "version": 1,
   "data": {
    "base": {
     "context": [
      1,
      399,
      268,
      13,
      85,
      3659,
      261,
      293,
      443,
      49,
      2,
      13,
      1,
      565,
      381,
      414,
      13
     ],
     "frame": {
      "text": "",
      "ids": [],
      "found": "none"
     },
     "temperature": 1,
     "choices": [
      {
       "text": "1",
       "ids": [
        52
       ],
       "logp": -5.143161002617289,
       "prob": 0.005839202774844339,
       "prob_exclusive": 0.005839202774844339,
       "share": 0.27029375318734233
      },
      {
       "text": "2",
       "ids": [
        53
       ],
       "logp": -5.336272899132181,
       "prob": 0.004813778755998582,
       "prob_exclusive": 0.004813778755998582,
       "share": 0.22282739222171263
      },
      {
       "text": "3",
       "ids": [
        54
       ],
       "logp": -5.410159293632914,
       "prob": 0.004470927964263703,
       "prob_exclusive": 0.004470927964263703,
       "share": 0.2069570018868364
      },
      {
       "text": "4",
       "ids": [
        55
       ],
       "logp": -5.916508380394388,
       "prob": 0.002694592261788545,
       "prob_exclusive": 0.002694592261788545,
       "share": 0.12473131758432747
      },
      {
       "text": "5",
       "ids": [
        56
       ],
       "logp": -5.959639255028177,
       "prob": 0.0025808428301899397,
       "prob_exclusive": 0.0025808428301899397,
       "share": 0.11946591373122468
      },
      {
       "text": "6",
       "ids": [
        57
       ],
       "logp": -6.722248260002543,
       "prob": 0.0012038286493942058,
       "prob_exclusive": 0.0012038286493942058,
       "share": 0.055724621388556474
      }
     ],
     "mass": 0.021603173236479315,
     "normalized": {
      "entropy": 1.6885297201601062,
      "kl_uniform": 0.1032297490679488,
      "chi2": 0.19086319955164188,
      "top1": {
       "text": "1",
       "prob": 0.27029375318734233
      }
     },
     "warnings": [
      "Low mass: the candidates cover only 2.16% of the model's probability (below 50%). Most of its probability goes to other continuations, so the shares describe a path it rarely takes. Give a frame (the model's own words before the answer) or widen the candidate set."
     ],
     "template": "chat",
     "ambiguity": [],
     "tempered": []
    }
   }
  }
 }
} as const;
